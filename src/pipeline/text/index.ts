/** Pure text and token-sequence processing around decoding: repetition guard, transcript clean-ups, joining by script. */
export { RepetitionGuard, truncateRepetition, type RepetitionGuardOptions, type RepetitionVerdict } from "./repetition-guard";
export {
  cleanTranscript,
  exciseHallucinations,
  removeMetaCommentary,
  removeTextRepetition,
  stripLeakedInstructions,
  stripThinkBlock,
  type CleanupOptions,
} from "./cleanup";
export { removeRepeatedBlocks, trimOverlap, type RepeatedBlockOptions } from "./long-audio";
export { joinTexts, separatorBetween } from "./script-join";
export { HALLUCINATION_MARKERS, LEAKED_INSTRUCTIONS, META_COMMENTARY_PHRASES } from "./markers";

/**
 * mlx-asr: local, private speech recognition and zh → en speech translation on
 * Bun + MLX. The public API.
 */
export { Transcriber } from "./pipeline/transcriber";
export type {
  AudioInput,
  BatchItem,
  BatchProgress,
  TextOptions,
  Timings,
  TranscribeOptions,
  TranscriberOptions,
  TranscriptionResult,
  TranslationResult,
} from "./pipeline/transcriber";
export type { LiveChunkStats, LiveOptions, LiveSession, LiveSettingOverrides, LiveUpdate } from "./pipeline/live/live-session";
export type { SamplingOptions } from "./families/sampling-options";
export { allFamilies, DEFAULT_FAMILY, familyByName, registerFamily } from "./families/registry";
export { loadFamilyModule } from "./families/plugins";
export { AUDIO, template, user, type PromptPart } from "./families/prompts/parts";
export type {
  AudioTask,
  FamilyDefinition,
  LanguageModelComponent,
  HubPart,
  HubSource,
  LiveDefaults,
  LlmPromptedRecipe,
  NetworkComponent,
  ReleaseLayout,
} from "./families/family";
export { formatTranscript } from "./formats";
export type { OutputFormat, Transcript, TranscriptSegment } from "./formats/transcript";
export { loadAudio, waveformFromSamples } from "./audio/load";
export { openMicrophone } from "./audio/live/microphone";
export type { LiveAudioSource, SampleBlock } from "./audio/live/live-source";
export { downloadModel } from "./hub/download";
export type { DownloadOptions, DownloadProgress } from "./hub/download";
export type { DownloadPlan, PlannedSource } from "./pipeline/download-plan";
export {
  AsrError,
  AudioError,
  CancelledError,
  ConfigError,
  DownloadError,
  EXIT_STATUS,
  IoError,
  MemoryBudgetError,
  ModelFileError,
  ModelNotFoundError,
  UsageError,
} from "./errors";

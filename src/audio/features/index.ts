export type { FeatureBatch, FeatureExtractor } from "./feature-extractor";
export { WhisperLogMel, WhisperLogMelConfigSchema, type WhisperLogMelConfig } from "./whisper-log-mel";

declare module "wav-decoder" {
  interface DecodedWav {
    numberOfChannels: number;
    length: number;
    sampleRate: number;
    channelData: Float32Array[];
  }
  interface DecodeOptions {
    symmetric?: boolean;
  }
  interface Decode {
    (buffer: ArrayBuffer | Buffer, opts?: DecodeOptions): Promise<DecodedWav>;
    sync(buffer: ArrayBuffer | Buffer, opts?: DecodeOptions): DecodedWav;
  }
  const wavDecoder: { decode: Decode };
  export default wavDecoder;
}

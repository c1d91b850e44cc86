/**
 * The machine's own limits, measured by the engine: read bandwidth (a column
 * sum over a few GB, on one and on two CPU streams; the best is reported), the
 * float32 GEMM rate at a prefill-like shape, and — for comparison with the
 * bandwidth — the rate at which the engine's float32 matvec streams weight
 * matrices of a decoder's shape.
 */
import { mx, type Tensor } from "../../src/engine/mlx";
import { applyShards, shardRows } from "../../src/nn/row-shards";
import { releaseMemory } from "../../src/runtime";
import type { MachineFigures } from "./tasks";

const TRIALS = 5;
const TRIALS_SMALL = 3;
const GB = 1e9;
const COLUMNS = 1024;
/** x[512, 2560] · W[9728, 2560]ᵀ: Qwen3-4B's MLP gate over a 512-position prefill. */
const GEMM_SHAPE = { m: 512, k: 2560, n: 9728 } as const;

function bestSeconds(trials: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function readBandwidth(data: Tensor, bytes: number, trials: number): { oneStream: number; twoStreams: number } {
  const halves = mx.split(data, 2, 0);
  const streams = [mx.newStream(mx.cpu), mx.newStream(mx.cpu)];
  mx.eval(mx.sum(data, 0)); // warm-up
  const oneStream = bytes / bestSeconds(trials, () => mx.eval(mx.sum(data, 0))) / GB;
  const twoStreams = bytes / bestSeconds(trials, () => mx.eval(...halves.map((h, i) => mx.sum(h, 0, false, streams[i])))) / GB;
  return { oneStream, twoStreams };
}

function gemmGflops(trials: number): number {
  const { m, k, n } = GEMM_SHAPE;
  const x = mx.random.normal([m, k], mx.float32, 0, 1, mx.random.key(1));
  const w = mx.random.normal([n, k], mx.float32, 0, 1, mx.random.key(2));
  mx.eval(x, w);
  mx.eval(mx.matmul(x, w.T));
  return (2 * m * k * n) / bestSeconds(trials, () => mx.eval(mx.matmul(x, w.T))) / GB;
}

/**
 * Independent x·Wᵢᵀ over as many distinct [9728, 2560] matrices (Qwen3-4B gate_proj) as the data
 * holds, in one evaluation, each run as a decode step runs it (split by rows across the parallel streams
 * unless the BLAS runs it on every core).
 */
function matvecGbS(data: Tensor, trials: number): number {
  const rows = 9728;
  const width = 2560;
  const count = Math.floor(data.size / (rows * width));
  const flat = data.reshape([-1]);
  // Slices of the data (views), evaluated once: an integer index would gather a copy on every product.
  const matrices = Array.from({ length: count }, (_, i) => flat.index(mx.Slice(i * rows * width, (i + 1) * rows * width)).reshape([rows, width]));
  mx.eval(...matrices);
  const shards = matrices.map((m) => shardRows([m], "blas"));
  const x = mx.random.normal([1, width], mx.float32, 0, 1, mx.random.key(3));
  const product = (i: number) => {
    const sharded = shards[i];
    return sharded ? applyShards(sharded, x, (v, [w], stream) => mx.matmul(v, w!.T, stream)) : mx.matmul(x, matrices[i]!.T);
  };
  const all = () => mx.eval(...matrices.map((_, i) => product(i)));
  all();
  return (count * rows * width * 4) / bestSeconds(trials, all) / GB;
}

export async function measureMachine(small: boolean): Promise<MachineFigures> {
  const bytes = (small ? 0.5 : 3) * 2 ** 30;
  const trials = small ? TRIALS_SMALL : TRIALS;
  const data = mx.random.uniform(0, 1, [bytes / 4 / COLUMNS, COLUMNS], mx.float32, mx.random.key(0));
  mx.eval(data);
  const bandwidth = readBandwidth(data, bytes, trials);
  const matvec = matvecGbS(data, trials);
  await releaseMemory();
  const gemm = gemmGflops(trials);
  return {
    read_bandwidth_gb_s: Math.max(bandwidth.oneStream, bandwidth.twoStreams),
    read_bandwidth_one_stream_gb_s: bandwidth.oneStream,
    read_bandwidth_two_streams_gb_s: bandwidth.twoStreams,
    read_bandwidth_method: `float32 column sum over ${(bytes / 2 ** 30).toFixed(1)} GiB, best of ${trials}, one and two CPU streams`,
    matvec_gb_s: matvec,
    matvec_method: "x[1, 2560] · Wᵀ over distinct [9728, 2560] float32 matrices filling the same buffer, run as in a decode step (the BLAS's GEMV on every core, or rows split across the parallel streams), one evaluation",
    gemm_gflops: gemm,
    gemm_shape: `[${GEMM_SHAPE.m}, ${GEMM_SHAPE.k}] x [${GEMM_SHAPE.n}, ${GEMM_SHAPE.k}]^T float32, best of ${trials}`,
  };
}

/**
 * Engine streams that run concurrently. On the CPU each stream has its own
 * thread, and a matrix × vector product the engine computes itself (quantized
 * weights), or one a single-threaded BLAS computes (BLIS), is bound by one core's
 * share of memory bandwidth (~21 GB/s of the machine's ~31 GB/s with two cores):
 * splitting a decode step's matrices by rows across one stream per core comes
 * closer to the machine's bandwidth. Metal needs none of this.
 */
import { availableParallelism } from "node:os";
import { backend } from "./device";
import { mx } from "./mlx";

type Stream = ReturnType<typeof mx.newStream>;

let streams: Stream[] | null = null;

/** One CPU stream per core (empty on Metal, on one core, or with MLX_ASR_PARALLEL_ROWS=0). */
export function rowParallelStreams(): readonly Stream[] {
  if (streams) return streams;
  const cores = availableParallelism();
  const enabled = backend() === "cpu" && cores > 1 && process.env.MLX_ASR_PARALLEL_ROWS !== "0";
  streams = enabled ? Array.from({ length: cores }, () => mx.newStream(mx.cpu)) : [];
  return streams;
}

/** Run as a child: a prefill-like sequence of ops (outputs of 1–16 MB, freed between steps); prints the page faults it took. */
import { mx } from "../../src/engine/mlx";
import { nativeHeapPolicy } from "../../src/engine/native-heap";
import { releaseMemory } from "../../src/runtime";

const x = mx.random.normal([400, 1024]);
const w = mx.random.normal([3072, 1024]);
const scores = mx.random.normal([16, 400, 512]);
mx.eval(x, w, scores);
const step = async () => {
  for (let layer = 0; layer < 4; layer++) {
    const h = mx.matmul(x, w.T);
    mx.eval(mx.add(h, h), mx.softmax(scores, -1), mx.multiply(x, x));
  }
  await releaseMemory();
};
for (let i = 0; i < 3; i++) await step();
const before = process.resourceUsage().minorPageFault;
for (let i = 0; i < 10; i++) await step();
const faults = process.resourceUsage().minorPageFault - before;
console.log(JSON.stringify({ policy: nativeHeapPolicy(), faults }));

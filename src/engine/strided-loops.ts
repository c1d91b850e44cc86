/**
 * A source transform for the engine's *strided* fused CPU kernels, applied by the
 * compiler shim before each build (with the native flags).
 *
 * The engine generates two forms of each fused elementwise kernel: a contiguous
 * one, used only when every input is a contiguous array of the output's shape,
 * and a strided one for everything else, whose innermost loop advances each input
 * pointer by a stride read at run time. The compiler cannot vectorize that loop,
 * so any broadcast vector among the inputs (a bias, a norm's weight, a row's max
 * or mean, a convolution tap) turns the whole fused chain scalar: a compiled
 * softmax over 4×500×500 scores took 6.6 ms, a layer norm over 500×512 ~1 ms.
 *
 * In the innermost loop the strides are almost always 0 (broadcast along it) or 1.
 * The rewrite adds, before the engine's loop, a version for that case: a value
 * broadcast along the loop is copied once into a 256-wide buffer, every input is
 * then read as a unit-stride array, chunk by chunk, and the output written by
 * index; `#pragma GCC ivdep` lets the compiler vectorize it without alias checks
 * (an output shares memory with an input only when the engine donates a
 * contiguous input's buffer, element for element). Each element is computed by
 * the same statements in the same order, so results are unchanged. Any other
 * stride, a loop shorter than 16, or a kernel whose loop does not have the
 * expected shape runs the engine's own code, which is kept verbatim.
 */

/** The awk program (POSIX awk, as mawk and BSD awk run it): kernel source on stdin, rewritten source on stdout. */
export const STRIDED_LOOPS_AWK = String.raw`function flush_original(   i) {
  print header
  for (i = 1; i <= nbody; i++) print body[i]
  print "  }"
}
function emit(   i, p, n, line, name, cond, sep) {
  n = 0; cond = ""; sep = ""
  for (i = 1; i <= nloads; i++) {
    p = loadptr[i]
    cond = cond sep "s_" p "_ <= 1"; sep = " && "
  }
  print "  {"
  print "  const int n_ = shape[" L "];"
  for (i = 1; i <= nloads; i++) { p = loadptr[i]; print "  const size_t s_" p "_ = " p "_strides[" L "];" }
  print "  if (n_ >= 16" (cond == "" ? "" : " && " cond) ") {"
  print "  const int f_ = n_ < 256 ? n_ : 256;"
  for (i = 1; i <= nloads; i++) {
    p = loadptr[i]
    print "  " ptype[p] " b_" p "_[256];"
    print "  if (s_" p "_ == 0) for (int j_ = 0; j_ < f_; ++j_) b_" p "_[j_] = *" p ";"
  }
  print "  for (int c_ = 0; c_ < n_; c_ += 256) {"
  print "  const int m_ = n_ - c_ < 256 ? n_ - c_ : 256;"
  for (i = 1; i <= nloads; i++) { p = loadptr[i]; print "  const " ptype[p] "* q_" p "_ = s_" p "_ ? " p " + c_ : b_" p "_;" }
  for (i = 1; i <= nstores; i++) { p = storeptr[i]; print "  " ptype[p] "* q_" p "_ = " p " + c_;" }
  print "#pragma GCC ivdep"
  print "  for (int j_ = 0; j_ < m_; ++j_) {"
  for (i = 1; i <= nbody; i++) {
    line = body[i]
    if (kind[i] == "load") { sub(/= \*[A-Za-z0-9_]+;$/, "= q_" target[i] "_[j_];", line); print line }
    else if (kind[i] == "store") { sub(/^  \*[A-Za-z0-9_]+\+\+ =/, "  q_" target[i] "_[j_] =", line); print line }
    else if (kind[i] == "code") print line
  }
  print "  }"
  print "  }"
  for (i = 1; i <= nloads; i++) { p = loadptr[i]; print "  " p " += (size_t)n_ * s_" p "_;" }
  for (i = 1; i <= nstores; i++) { p = storeptr[i]; print "  " p " += n_;" }
  print "  } else {"
  flush_original()
  print "  }"
  print "  }"
}
function classify(   i, line, p, ok) {
  nloads = 0; nstores = 0; ok = 1
  for (i = 1; i <= nbody; i++) {
    line = body[i]; kind[i] = "code"; target[i] = ""
    if (line ~ /[{}]/ || line ~ /^#/) ok = 0
    else if (line ~ /^  [^=]+ tmp_[A-Za-z0-9_]+ = \*[A-Za-z0-9_]+;$/) {
      p = line; sub(/^.*= \*/, "", p); sub(/;$/, "", p)
      if (p in strided) { kind[i] = "load"; target[i] = p; loadptr[++nloads] = p }
    } else if (line ~ /^  \*[A-Za-z0-9_]+\+\+ = [^;]+;$/) {
      p = line; sub(/^  \*/, "", p); sub(/\+\+ = .*$/, "", p)
      if (!(p in ptype)) ok = 0
      kind[i] = "store"; target[i] = p; storeptr[++nstores] = p
    } else if (line ~ /^  [A-Za-z0-9_]+ \+= [A-Za-z0-9_]+_strides\[[0-9]+\];$/) {
      kind[i] = "step"
    }
  }
  for (i = 1; i <= nloads; i++) if (!(loadptr[i] in ptype)) ok = 0
  return ok && nstores > 0
}
BEGIN { state = "out" }
{
  if (state == "out") {
    if ($0 ~ /^void [A-Za-z0-9_]+_strided_[0-9]+\(void\*\* args\) \{$/) {
      nd = $0; sub(/\(void.*$/, "", nd); sub(/^.*_strided_/, "", nd)
      L = nd - 1
      split("", ptype); split("", strided)
      loop = "  for (int i" L " = 0; i" L " < shape[" L "]; ++i" L ") {"
      state = "kernel"
    }
    print; next
  }
  if (state == "kernel") {
    if ($0 == "}") { state = "out"; print; next }
    if ($0 ~ /^  const size_t\* [A-Za-z0-9_]+_strides = \(size_t\*\)args\[[0-9]+\];$/) {
      p = $0; sub(/^  const size_t\* /, "", p); sub(/_strides = .*$/, "", p); strided[p] = 1
    } else if ($0 ~ /^  [A-Za-z0-9_:]+\* [A-Za-z0-9_]+ = \([A-Za-z0-9_:]+\*\)args\[[0-9]+\];$/) {
      t = $0; sub(/^  /, "", t); sub(/\* .*$/, "", t)
      p = $0; sub(/^  [A-Za-z0-9_:]+\* /, "", p); sub(/ = .*$/, "", p); ptype[p] = t
    }
    if ($0 == loop) { header = $0; nbody = 0; state = "body"; next }
    print; next
  }
  if (state == "body") {
    if ($0 == "  }") {
      if (classify()) emit(); else flush_original()
      state = "kernel"; next
    }
    body[++nbody] = $0; next
  }
}
`;

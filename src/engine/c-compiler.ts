/** The C compiler command for the small native libraries built at run time: `$CC` (which may carry arguments, "ccache cc", as make allows), else `cc`. */
export function cCompilerCommand(): string[] {
  const words = (process.env.CC ?? "").trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : ["cc"];
}

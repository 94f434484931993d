"""The level 0 performance coach: `python grade.py level0 --coach [-k STAGE]`.

It never grades. It builds the student's kernels once more with line tables (same code, plus a
map from each instruction back to its source line; the dependencies are the grader's, already
compiled), reads the machine code (x86-64 or aarch64) of each SGEMM
stage, finds the loop where the time goes and tells the student, with one number per sentence,
why that loop runs at the speed it does:

- `disasm`: the compiled library as instructions, functions, loops and source locations
  (llvm-objdump or objdump, llvm-addr2line);
- `loops`: what one loop does per iteration (vector width, FMAs, loads and stores, independent
  accumulators, stack spills, bounds checks, strided streams); `arm` reads aarch64 (NEON)
  instructions for it;
- `mca`: llvm-mca's throughput model of the loop, as a ceiling in fractions of the peak;
- `measure`: the size sweep, the cores a parallel stage keeps busy, a `perf` profile (in the
  sandboxed worker, through the kit's own probes);
- `machine`: the CPU's vector width and cache sizes, read from the OS;
- `diagnose`: the findings, each a sentence with its number and its section of the book;
- `run`: the command itself and its report.

Every external tool is optional: without it, its part is dropped with a one-line note.
"""

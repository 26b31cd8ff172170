"""typst alone (typst-py, the Python binding of the same typst 0.15) on the same input
as vanthu's renderer: the layout templates/layout/nd30.typ, the shipped fonts loaded
once, and a *different* /data.json every compile (examples/layout_data writes them),
exported as PDF/A-2b. Prints the median, p10 and p90 in ms.

usage: python raw_typst.py DATA_DIR [ROUNDS [LABEL]]
(LABEL names the input in the line printed; default "seed 004 layout".)
"""

import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import typst

repo = pathlib.Path(__file__).resolve().parent.parent
data = sorted(pathlib.Path(sys.argv[1]).glob("data-*.json"))
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else len(data)
label = sys.argv[3] if len(sys.argv) > 3 else None
work = pathlib.Path(tempfile.mkdtemp())
shutil.copy(repo / "templates/layout/nd30.typ", work / "main.typ")
target = work / "data.json"
compiler = typst.Compiler(
    work / "main.typ", root=work, font_paths=[repo / "fonts"], ignore_system_fonts=True
)


def compile_one(path):
    shutil.copy(path, target)
    return compiler.compile(format="pdf", pdf_standards="a-2b", timestamp=1621238400)


# Warm-up on files not timed, and a check that a changed data file is really read.
a = compile_one(data[-1])
b = compile_one(data[-2])
assert a != b, "typst-py did not re-read /data.json"
times = []
for path in data[:rounds]:
    t = time.perf_counter()
    compile_one(path)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
version = typst.__version__ if hasattr(typst, "__version__") else "0.15"
if label is None:
    q = statistics.quantiles(times, n=10)
    print(
        f"raw typst (typst-py {version}), "
        f"seed 004 layout, distinct data, PDF/A-2b: median {statistics.median(times):.2f} ms "
        f"(p10 {q[0]:.2f}, p90 {q[-1]:.2f}; {len(times)} documents)"
    )
else:
    print(
        f"raw typst (typst-py {version}), {label}, distinct data, PDF/A-2b, warm: "
        f"median {statistics.median(times) / 1000:.2f} s (min {times[0] / 1000:.2f}, "
        f"max {times[-1] / 1000:.2f}; {len(times)} documents)"
    )
shutil.rmtree(work)

"""nbgrader configuration of the Hopfield course.

Every `nbgrader` command run from the repository root reads this file (run them
with the virtual environment's bin/ on PATH: nbgrader calls `alembic` when it
creates the gradebook). The course layout:

    solutions/<assignment>/<assignment>.ipynb   source (instructor) versions
    exercises/<assignment>/<assignment>.ipynb   release (student) versions, committed
    grading/                                    git-ignored: submissions, gradebook, feedback
        submitted/<student>/<assignment>/<assignment>.ipynb
        autograded/...   feedback/...   gradebook.db

Grade with `make grade ASSIGNMENT=<name>` (tools/grader: every submission in a
bubblewrap sandbox, verdicts decided outside the student's process; see instructor.md).
The settings below serve nbgrader's own commands (`nbgrader autograde`, `validate`), which
run notebooks in a kernel with the instructor's rights and only the visible tests:

* every cell of a submission gets at most HOPFIELD_GRADING_TIMEOUT seconds
  (default 120); a cell that runs longer is interrupted, recorded as an error,
  and grading goes on with the next cell and the next student;
* the kernel that runs a submission may use at most HOPFIELD_GRADING_MEMORY_GB
  GiB of address space (default 6; 0 switches the limit off): a submission
  that tries to take more gets a MemoryError in that cell instead of taking the
  machine down;
* submissions run on HOPFIELD_GRADING_DEVICE (default "cpu": the same results
  on every grader's machine, and CUDA needs far more address space than the
  limit allows, so the limit is off on any other device), with
  HOPFIELD_GRADING_THREADS threads (default 1).

Feedback files never show hidden test code, should an instructor add some
(tools/grading_hooks.py), and load nothing from the network (no MathJax: formulas
appear as TeX source).
"""
import importlib.util
import os

c = get_config()  # noqa: F821  (defined by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))

# ------------------------------------------------------------------ folders
c.CourseDirectory.course_id = "hopfield-course"
c.CourseDirectory.root = HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
os.makedirs(os.path.join(HERE, "grading"), exist_ok=True)  # SQLite does not create folders
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "grading", "gradebook.db")

# ------------------------------------------------ running student notebooks
c.Execute.timeout = int(os.environ.get("HOPFIELD_GRADING_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True
# After a timeout the interrupted kernel may be slow to report that it is idle again;
# nbgrader's default then abandons the whole submission (no grade at all). Go on instead.
c.Execute.raise_on_iopub_timeout = False
_stopped = (f"this cell ran for more than {c.Execute.timeout} s and was stopped: look for a loop "
            "that never ends, or for sizes much larger than the notebook's")
c.Execute.error_on_timeout = {"ename": "CellTimeoutError", "evalue": _stopped,
                              "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {_stopped}"]}

_device = os.environ.get("HOPFIELD_GRADING_DEVICE", "cpu")
_memory_gb = float(os.environ.get("HOPFIELD_GRADING_MEMORY_GB", "6"))
_threads = os.environ.get("HOPFIELD_GRADING_THREADS", "1")
_startup = [f"__import__('os').environ['HOPFIELD_DEVICE'] = {_device!r}",
            # one thread per kernel: on a busy machine, OpenMP threads that wait for each
            # other made the small products of the exercises ten times slower
            f"__import__('os').environ['OMP_NUM_THREADS'] = {_threads!r}"]
if _device == "cpu":
    # hide GPUs before anything imports torch: CUDA reserves tens of GiB of address space
    _startup.append("__import__('os').environ['CUDA_VISIBLE_DEVICES'] = ''")
    if _memory_gb > 0:
        _limit = int(_memory_gb * 2**30)
        _startup.append("__import__('resource').setrlimit(__import__('resource').RLIMIT_AS, "
                        f"({_limit}, {_limit}))")
# IPython runs these lines in the kernel before the first cell.
c.Execute.extra_arguments = [f"--IPKernelApp.exec_lines={line}" for line in _startup]

# ------------------------------------------------------------------ feedback
_spec = importlib.util.spec_from_file_location(
    "hopfield_grading_hooks", os.path.join(HERE, "tools", "grading_hooks.py"))
_hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hooks)

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, _hooks.HideHiddenTests, CSSHTMLHeaderPreprocessor]
if os.environ.get("HOPFIELD_FEEDBACK_MATHJAX", "") != "cdn":
    # nbgrader's "feedback" template loads MathJax 2 from cdnjs. tools/feedback_templates/feedback/
    # comes first in the template path and holds only a mathjax.html.j2 that loads nothing.
    c.HTMLExporter.extra_template_basedirs = [
        os.path.join(HERE, "tools", "feedback_templates"),
        _hooks.NBGRADER_TEMPLATES,
    ]

"""The judges' torch computes on one thread per grading thread (issue 23): the grading workers
already use every core, and torch's pool of one thread per core waited on busy cores."""

import threading

import torch

from autograder.judge import judge_events


def test_judging_leaves_torch_one_thread_in_each_grading_thread():
    seen = []

    def grading_thread():
        torch.set_num_threads(2)
        judge_events([], [], {})
        seen.append(torch.get_num_threads())

    for _ in range(2):  # two workers' threads, each set on its own
        thread = threading.Thread(target=grading_thread)
        thread.start()
        thread.join()
    assert seen == [1, 1]


SLOW_TORCH = '''
import sys, threading, time
class Slow:  # every torch module found 10 ms late, in any thread but the main one
    def find_spec(self, name, path=None, target=None):
        if name.startswith("torch") and threading.current_thread() is not threading.main_thread():
            time.sleep(0.01)
sys.meta_path.insert(0, Slow())
from autograder import judge
judge.import_torch_in_background()
while "torch" not in sys.modules:  # the import has begun: torch is half there
    time.sleep(0.01)
judge.judge_events([], [], {})
print(sys.modules["torch"].get_num_threads())
'''


def test_a_judge_waits_for_the_background_import_of_torch_to_end():
    """While the grader imports torch in the background (during the first job), torch sits
    half-imported in ``sys.modules``: a judge then must wait, not use it (in CI one used it
    and a classmate's honest test cell lost its point)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SLOW_TORCH], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1"]

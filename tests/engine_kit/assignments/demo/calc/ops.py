"""Student operations of the demo level."""


def add(a: float, b: float) -> float:
    """a + b."""
    raise NotImplementedError("add: not implemented yet — see the docstring")


def mul(a: float, b: float) -> float:
    """a * b."""
    raise NotImplementedError("mul: not implemented yet — see the docstring")


def safe_div(a: float, b: float) -> float:
    """a / b; ValueError when b == 0."""
    raise NotImplementedError("safe_div: not implemented yet — see the docstring")

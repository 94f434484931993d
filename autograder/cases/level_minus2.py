"""Level -2's wire encoding of exact numbers, shared by the judge's references and the worker's
probes: a Fraction (or an int) travels as {"fraction": [numerator, denominator]}."""

from __future__ import annotations

from fractions import Fraction


def fraction_data(value: Fraction | int) -> dict:
    """`value` as plain data, in lowest terms: {"fraction": [numerator, denominator]}."""
    value = Fraction(value)
    return {"fraction": [value.numerator, value.denominator]}

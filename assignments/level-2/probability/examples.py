"""The book's worked questions, answered with your counting functions and probability spaces.

Return exact answers (a `fractions.Fraction`, or an int) where you can; a float is accepted
when it is within 1e-9 of the exact value. Graded in part `examples`.
"""

from fractions import Fraction

from probability.spaces import ProbabilitySpace

#: The rapper's vocabulary of appendix A: each word with its probability (they sum to 1).
VOCABULARY: dict[str, Fraction] = {
    "acid": Fraction(4, 100),
    "balls": Fraction(1, 100),
    "chop": Fraction(9, 100),
    "death": Fraction(8, 100),
    "grind": Fraction(8, 100),
    "mind": Fraction(5, 100),
    "poppin": Fraction(4, 100),
    "pills": Fraction(19, 100),
    "razor": Fraction(3, 100),
    "shallow": Fraction(22, 100),
    "tequila": Fraction(15, 100),
    "zoey": Fraction(2, 100),
}


def die_even() -> Fraction:
    """P(a fair six-sided die shows an even number) = 1/2 (worked example, given complete)."""
    die = ProbabilitySpace.uniform(range(1, 7))
    return die.P(lambda face: face % 2 == 0)


def two_dice_sum_eight() -> Fraction:
    """P(the faces of two fair six-sided dice sum to 8).

    Build the space of the 36 ordered pairs (first die, second die) and ask it.
    """
    raise NotImplementedError("two_dice_sum_eight: not implemented yet — see the docstring")


def jar_one_red_two_blue() -> Fraction:
    """A jar holds 4 red and 2 blue balls; draw 3 at once (without replacement).

    Return P(exactly 1 red and 2 blue). The balls are distinct objects even when they have the
    same colour: enumerate the draws with your `combinations` and count.
    """
    raise NotImplementedError("jar_one_red_two_blue: not implemented yet — see the docstring")


def five_card_straight() -> Fraction:
    """P(a five-card hand from a shuffled 52-card deck is a straight).

    A straight is five cards of consecutive ranks, any suits; the ace counts low (A-2-3-4-5)
    or high (10-J-Q-K-A) but does not wrap around (Q-K-A-2-3 is not a straight). Straight
    flushes count. Count, don't enumerate: listing all C(52, 5) = 2,598,960 hands takes far
    longer than the grader waits.
    """
    raise NotImplementedError("five_card_straight: not implemented yet — see the docstring")


def vocabulary_space() -> ProbabilitySpace:
    """The vocabulary as a probability space over its 12 words (given complete)."""
    return ProbabilitySpace(VOCABULARY)


def word_length(word: str) -> int:
    """The random variable X of appendix A: the length of the word (given complete)."""
    return len(word)


def first_letter_code(word: str) -> int:
    """The random variable Y of appendix A: the Unicode code of the first letter (given)."""
    return ord(word[0])


def p_pills_given_p() -> Fraction:
    """P(Z = pills | Y = 112): the word is "pills" given that it starts with "p" (code 112).

    Z is the identity random variable (the word itself). Use `vocabulary_space()` and
    conditional probability.
    """
    raise NotImplementedError("p_pills_given_p: not implemented yet — see the docstring")

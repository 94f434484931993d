"""probability: the Level -2 package (counting, probability spaces, Bayes, distributions, MLE).

Import the module you need, e.g. `from probability.spaces import ProbabilitySpace`. This file
imports nothing on purpose: a mistake in one module only fails that module's tests.
"""

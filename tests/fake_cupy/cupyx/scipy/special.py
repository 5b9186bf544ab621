from scipy.special import expit  # noqa: F401

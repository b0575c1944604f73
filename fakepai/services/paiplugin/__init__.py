"""PaiPlugin 2022-01-12: importing the package registers its handlers."""

PRODUCT = "PaiPlugin"  # the product name operations are registered and looked up under

from fakepai.services.paiplugin import handlers  # noqa: F401

"""Datasets and batching."""

from .datasets import DATASETS, Split, load, load_digits, standardize, stratified_split
from .loader import DataLoader

__all__ = ["DATASETS", "Split", "load", "load_digits", "standardize", "stratified_split", "DataLoader"]

"""Theorem records, the benchmark registry and dataset import/export."""

from .benchmarks import (
    DATA_DIR_ENV,
    REGISTRY,
    Benchmark,
    DataError,
    benchmark_path,
    data_dir,
    find_theorem,
    get_benchmark,
    load_benchmark,
    select_theorems,
    user_theorem,
)
from .fetch import FetchError, fetch_benchmark
from .jsonl import JsonlError, ResultLog, ResultLogError, jsonl_lines, read_jsonl, read_log
from .leanworkbook import load_lean_workbook

__all__ = [
    "DATA_DIR_ENV",
    "REGISTRY",
    "Benchmark",
    "DataError",
    "FetchError",
    "JsonlError",
    "ResultLog",
    "ResultLogError",
    "jsonl_lines",
    "read_jsonl",
    "benchmark_path",
    "data_dir",
    "fetch_benchmark",
    "find_theorem",
    "get_benchmark",
    "load_benchmark",
    "load_lean_workbook",
    "read_log",
    "select_theorems",
    "user_theorem",
]

"""Shared fixtures: the command line built next to the package (DEQ) for
comparisons, and small spectra."""
import json
import os
import subprocess

import pytest

import deq


@pytest.fixture
def cli():
    """Run `deq ARGS --format json` and return (columns, rows, statuses)."""
    exe = os.environ.get("DEQ")
    if not exe:
        pytest.skip("DEQ (the deq program) is not set; run through make check")

    def run(*args):
        out = subprocess.run([exe, *args, "--format", "json"], check=True,
                             capture_output=True, text=True).stdout
        doc = json.loads(out)
        return doc
    return run


@pytest.fixture
def powerlaw():
    return deq.Spectrum.powerlaw(alpha=1.5, n=1000, r=0.4)


@pytest.fixture
def logu():
    return deq.Spectrum.loguniform(100, 0.1, 10.0).with_target(norm=1.0)

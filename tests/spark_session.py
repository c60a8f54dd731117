"""The one local Spark session of the tests: 2 cores, one retry per task, workers on this checkout.

Every test module that needs Spark gets it from here, so whichever module starts it first,
``getOrCreate`` returns the same session with the same settings (a copy made without task
retries once broke the retry test when its module ran first).
"""

from __future__ import annotations

import os
import sys

from conftest import ROOT


def local_session():
    """Start (or get back) the shared ``local[2,2]`` session; quiet, no UI, loopback only."""
    from pyspark.sql import SparkSession

    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "PYSPARK_PYTHON")}
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), saved["PYTHONPATH"]]))
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:  # the JVM (and the Python workers it starts) keep the environment it was launched with
        session = (
            SparkSession.builder.master("local[2,2]")
            .appName("ftdata-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate()
        )
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    session.sparkContext.setLogLevel("ERROR")
    return session

"""reporttool: monthly industrial-cluster reporting for a city bureau (产业集群调度).

The library never imports click; reporttool.cli is a thin layer over it.
"""
__version__ = "0.1.0"

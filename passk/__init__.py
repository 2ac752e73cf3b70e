"""passk: Pass@K evaluation for math reasoning.

The flow is data -> generate -> grade -> score -> report; each stage is a module
(or package) of the same name, and the CLI in `passk.cli` only wires them together.
"""

__version__ = "0.1.0"

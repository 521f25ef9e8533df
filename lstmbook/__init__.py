"""lstmbook: the small package behind LSTM Book.

One module per idea:

- ``gates``: the activations, a gate, a one-unit LSTM cell step, memory decay (chapter 1)
- ``widgets``: slider explorers, live (through the kernel) and kernel-less (for the HTML book)
"""

__version__ = "0.1.0"

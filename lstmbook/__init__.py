"""lstmbook: the small package behind LSTM Book.

One module per idea, in the order the chapters use them:

- ``gates``: the activations, a gate, a one-unit LSTM cell step, memory decay (chapter 1)
- ``widgets``, ``diagram``: slider explorers, live and kernel-less, and the cell diagram (ch. 1);
  ``widgets`` is the one module that loads ipywidgets (chapter 5's live demo lives there too)
- ``numpy_lstm``, ``gradcheck``, ``bench``: an LSTM in NumPy, forward and backward, equal to
  ``torch.nn.LSTM``; finite-difference checks; ``python -m lstmbook.bench`` (chapter 2)
- ``data``: seeded sequence tasks that really need memory (chapters 2 to 6)
- ``train``, ``models``, ``plots``: a short training loop, sequence models that read the right
  final state, training curves (chapters 3 to 6)
- ``cells``, ``variants``: peephole, CIFG and no-forget-gate cells, and the comparison over seeds
  (chapter 4)
- ``reviews``, ``text``: real movie reviews, and a text classifier from tokens to a demo (chapter 5)
- ``layernorm``, ``practice``: a layer-normalised cell and the ablations of training practice
  (chapter 6)
- ``checking``: what the exercise checkers share
- ``validate``: the checks every public entry point makes of its arguments (named errors)
- ``stats``: Wilson intervals, Fisher's and McNemar's exact tests, for results over seeds
- ``tables``, ``style``, ``listing``, ``progress``: how results look in the book (tables, the
  one figure style and gate colours, code listings without docstrings, progress bars that are
  shown live and never stored)
"""

__version__ = "0.1.0"

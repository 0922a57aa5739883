"""Training loops (supervised, SimCLR, random labels), per-epoch checkpoints
and embeddings, resume. Entry points: :func:`repscope.training.loop.train`
and the ``repscope train`` / ``repscope embed`` commands."""

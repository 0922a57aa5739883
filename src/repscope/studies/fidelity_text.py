"""The prose of the fidelity record (docs/fidelity.md): the papers and repository it cites,
what repscope runs and where each setup comes from, notes under a study's table, and the
authors' choices in the training and layer-wise studies. The numbers come from
:mod:`repscope.studies.fidelity`."""

PAPER = ("Liao et al., *Assessing neural network representations during training using "
         "noise-resilient diffusion spectral entropy*, CISS 2024 (workshop version: ICML 2023 "
         "TAG-ML)")
REPO = "github.com/ChenLiu-1996/DiffusionSpectralEntropy"
SETUP = """## What repscope runs, and where it comes from

The setups follow the DSE authors' study scripts in their repository (paths under
`src/manifold_investigation/` and `src/comparison/` of """ + REPO + """); repscope's code is its
own. Where the authors' scripts and the papers' text are silent or differ, the choice is stated.

- **T1** (`toy_data_entropy.py`): N = 500 points in D = 2048, intrinsic dimensions
  `np.linspace(D // 20, D, 20)` truncated to integers (102 … 2048), uniform or standard-normal
  coordinates, the other D − d coordinates one shared standard-normal constant (for both
  distributions), noise 0.01, 0.1, 0.5 times U(−1, 1), t ∈ {1, 2, 3, 5}, σ = 10, 3 repetitions;
  CSE with 2 bins per dimension. Matrix panel: n ∈ {64, …, 2048}, 20 values of α from 0 to 1,
  W = scikit-learn's `make_spd_matrix` as it was then (A uniform, U, _, Vᵀ = svd(AᵀA),
  W = U (1 + diag(u)) Vᵀ: one dominant direction), DSE at t = 1. The DMEE row: the authors passed
  the row-normalised matrix (D⁻¹M, or the points' diffusion matrix) to their API's matrix-entry
  entropy as if its rows were points; repscope does the same (σ = 10). The authors drew new data
  for every t; repscope computes every t from one spectrum of the same data.
  Options: `study.matrix.kind=wishart` (B Bᵀ/n, repscope's earlier W, an almost flat curve),
  `study.dmee=false`.
- **T2** (`toy_data_MI.py`, commit 5138bfe): the authors' trees — a standard-normal root in
  D = 30, 5, 10 or 20 branches starting within 0.1 of it, each walking steps of 0.1 along a
  direction nudged by 0.05 · N(0, I) and renormalised after every step, branch lengths drawn at
  random around 100 points (100 · branches points in all), Gaussian noise 0.2; then noise 0.01,
  0.1, 0.5 times U(−1, 1); 20 corruption fractions, σ = 10, 5 repetitions. As in the script, one
  tree per branch count serves every repetition and noise level (repetitions differ in the noise
  draw, the corruption and the random subsets). The script never passed t to DSMI, so all its
  t lines are t = 1; repscope computes t ∈ {1, 2, 3, 5} from one spectrum (t = 1 is the authors'
  curve). These trees are small beside σ = 10 (a branch spans ~10 units), so DSMI at 0 %
  corruption is a fraction of a bit. Option: `study.tree=random_walk` (repscope's earlier
  PHATE-style random walks; it ran them with `study.dim=20 study.branches=[2,5,10]
  study.repetitions=3`).
- **T3**: N = 3000, one vs three blobs in 2 and 3 dimensions, t up to 1000 (unchanged).
- **T4** (`toy_data_DSE_subsample.py`): PHATE's `gen_dla` trees with `sigma=0` (noiseless),
  3 branches of 2000 points, dimensions `np.linspace(2, 30, 10, dtype=int)` = 2, 5, 8, …, 26, 30,
  subsamples of `int(ratio · N)` points for ratios 1, 0.5, 0.3, 0.1, σ = 10, t ∈ {1, 2, 3, 5},
  3 repetitions. Option: `study.tree_noise=1.0` (repscope's earlier noisy trees).
- **T5** (`src/comparison/compare_toy_blob.py`, `ASMI_compare_blob.py`): scikit-learn-style blobs
  (3 centres in ±10, std 1), N = 5000, d = 20 … 20000, corruption 0 … 100 % in 11 steps at d = 20
  and 100; for each noise level 0.01, 0.1, 0.5 in turn, noise · U(−1, 1) is added to the same array
  (the levels accumulate, as in the script); 2 repetitions. The corruption shuffles a fraction f of
  the labels among themselves, as the script did; the points still determine their blob, so the
  truth is I = log2 3 − H(1 − 2f/3, f/3, f/3) (1.585 bits at f = 0, 0.333 at 0.5, 0 at 1), which the
  corruption figure draws and the checks below use (the paper states no value there). Estimators: DSMI and its matrix-entry
  variant DMEE (σ = √d, t = 1), ASMI on the k-NN (k = 10) and Gaussian adjacency spectra (the
  anisotropic ASMI is DSMI at t = 1 and is not repeated), binned MI with 5, 10, 100 bins, KSG
  (k = 3) with the label as a number (NPEET's `mi`, as the authors called it) and the Ross
  continuous–discrete variant, MINE as the authors ran it (`mine_biased` loss: the plain
  Donsker–Varadhan bound; critic [z, y] → 100 → 100 → 1, its first layer initialised as one
  `nn.Linear` on the concatenation, so the label's weights start ~1/√d small; Adam, lr 1e-4; batches of 500 for
  200 epochs = 2000 steps at N = 5000; scored as the mean bound over the batches of the same
  points; raw inputs), repscope's held-out MINE with the moving-average gradient correction, and
  InfoNCE. repscope reports every estimate in bits (the authors' MINE values were nats). Batches
  are drawn at random per step rather than as epochs of a shuffled loader.
- **Choices where the sources are silent or differ.** DSE keeps every eigenvalue (repscope's and
  the reference package dse-dsmi's convention); the authors' utility of that time
  (`src/utils/information.py`, `von_neumann_entropy`) dropped the largest one. That matters for the
  T1 matrix panel only: with the dominant eigenvalue dropped, DSE at α = 0 sits ~0.3 bits below
  log2 n instead of several bits (the issue asks for the latter); for T4's diffusion spectra the
  trivial eigenvalue is one of up to 6000. Every repetition draws new data (the authors' T5 reused
  one blob set per cell and varied only the subset seed and MINE's initialisation). The T1 matrix
  panel uses t = 1, as the authors' did.
- **The CPU experiment** `toy_paper` runs T1–T5 at these sizes, T5 included (2 repetitions, 3 noise
  levels, corruption at d = 20 and 100, every estimator). It took 1 h 46 min on 2 cores (measured
  2026-11-30 on an Intel Xeon, one `snakemake` command), 1 h 41 min of it T5, whose costs grow with d (distances, binning, KSG's max-norm neighbours, MINE's
  first layer); a stopped T5 resumes from its finished blob sets; `paper` runs it on a GPU node.
  Exact shortcuts keep it shorter: one spectrum per
  point cloud for every t; the k-NN ASMI's non-symmetric eigenproblems solved one strongly
  connected component of the graph at a time (the same eigenvalues; random subsets of the
  separated blobs split into one block per blob); KSG's max-norm distances by scipy's `pdist`
  (exact, each pair once); the tests in `tests/test_exact_shortcuts.py` hold each to the dense
  computation.
"""

NOTES = {
    "intrinsic_dimension": "",
    "mi_estimators": "\nDMEE-MI is about −log2 3 on separated blobs: a random subset of the three blobs has a "
          "block-diagonal diffusion matrix, whose entries are less spread than those of one "
          "blob's, so the matrix-entry entropy of the class blocks exceeds that of random subsets "
          "by log2 3 and the difference changes sign.\n\n"
          "MINE's collapse in high dimension comes from how its critic starts: as one `nn.Linear` on "
          "[z, label] (the authors'), the label's weights start ~1/√d small beside d raw coordinates "
          "in ±10, and lr 1e-4 over 2000 steps does not grow them; with each block initialised by "
          "its own fan-in (`init: split`, repscope's other estimators) the same MINE keeps 1.14 bits "
          "at d = 5000 and 0.74 at d = 10 000 (this machine, rep 0, noise 0.01).\n",
}

TRAINING = """## The training and layer-wise studies: the authors' choices and repscope's

No numbers here (they need the paper-scale runs on a GPU cluster); what each default follows, and
the option that keeps repscope's earlier choice. Sources: the DSE authors' `src/main_studies/`, the
thesis code (`docs/sources.md`).

- **S1 augmentation and loss.** Default as the DSE authors trained: random resized crops of area
  0.6–1.6 (torchvision's fallback to the whole image), flips, colour jitter 0.8 (hue 0.2) in random
  order with probability 0.4, greyscale 0.2; SimCLR adds Gaussian blur (σ 0.1–2 px at 224 px,
  p 0.5; σ scaled with the image size below 224, repscope's choice so 8×8 digits survive) and uses
  the authors' loss (−log of the positives' over the negatives' similarity sum, temperature 1,
  `method.loss: batch_ratio`). Options: `method=supervised_light` (crops 80–100 %, flips),
  `method=simclr_standard` (NT-Xent at temperature 0.5, the SimCLR paper's views).
- **S1 STL-10 epochs ×10.** `dataset.passes_per_epoch: 10` for STL-10: one epoch is ten passes over
  its 5000 labelled images (the same optimiser steps as 2000 epochs; warm-up and measurement
  follow the epochs). The authors' stored configs say 200 epochs; the ×10 is taken from the paper's
  text. Option: `dataset.passes_per_epoch=1`.
- **S1 greyscale images and random labels.** As the authors: SimCLR's views jitter MNIST's single
  channel (brightness and contrast; `jitter_grey`), the supervised views of greyscale images crop
  and flip only; MNIST is flipped like the other datasets (`dataset.flip: true`); random-label runs
  see the whole image flipped at random (their centre crop of a square image). Options:
  `dataset.flip=false`, `method=random_label_plain` (no augmentation, repscope's earlier runs).
- **S1 inputs.** Normalised by the authors' constants for MNIST, CIFAR-10 and STL-10
  (`dataset.normalize`; null: the training split's own statistics, repscope's earlier choice and
  the default of the other datasets); crops and resizes resampled bicubic as theirs
  (`dataset.interpolation: bicubic`, crops clamped to [0, 1] as PIL's 8-bit images; `bilinear`
  is repscope's earlier choice).
- **S1, still different from the authors:** SimCLR's accuracy from a logistic-regression probe every
  evaluated epoch (they retrained a linear layer for 10 epochs every 5 epochs); crops taken from
  the native image and resampled once to the model's input (they resized to 224 first, then
  cropped and resized again).
- **S2.** `quick` draws only the initialisation sweep; the training curves need the init variants
  (`experiment=initialisation_quick` on a CPU, `initialisation` at paper scale).
- **S3.** One view per image, shorter side resized to the model's input with bicubic interpolation
  and centre-cropped (option `study.timm.crop=random_resized` with `n_crops: 3`); correlations with
  top-1 and top-5 accuracy. Different: DSMI(Z; X) uses one 64 × 64 view clustered into 20 clusters
  for every model (the authors used each model's own downsampled input and as many clusters as
  classes).
- **S5.** A tanh MLP (`model.activation: tanh`, the default of `experiment=szt`), 30 equal bins over
  [−1, 1], the information plane on the training split (options `model.activation=relu`,
  `layers.info_plane.split=test`).
- **S6.** Class manifolds from the training split (option `layers.manifold.split=test`).
- **S7.** Modularity over every pair of layers with the logits (option `layers.modularity.pairs=
  consecutive`, `logits: false`); the output-entropy change beside the KL curve. The notebook summed
  H(p) − H(q) over its batch and its KL call computed KL(q‖p); repscope averages per sample and
  reports H(q) − H(p) and KL(p‖q), so the sign of the entropy change and the direction of the
  divergence differ from the notebook's.
"""

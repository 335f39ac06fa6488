"""ipywidgets explorers for Colab and Jupyter. ipywidgets is imported inside each function."""

from numbers import Integral

from .notebook import in_book_build

#: Shown above every explorer in the book's static pages, where no Python runs behind them.
STATIC_PREVIEW_NOTE = (
    "<b>Static preview.</b> This page was computed when the book was built: the controls "
    "below show their first setting and do not respond here. Open the notebook in Colab "
    "(rocket icon at the top of the page) or in Jupyter to make them live."
)


# --------------------------------------------------------------------------------------------
# Explorers of the chapters "The Ising model", "Hebbian storage" and "Energy". Each returns a
# widget box whose output area is drawn once when it is created, so an executed notebook (and
# the static site built from it) shows the default state.


#: Labels of the controls take the width they need.
_STYLE = {"description_width": "initial"}


def _slider(value, low, high, label, step=None, **extra):
    """A float (or, for integer ``value``/``step``, int) slider that redraws on release."""
    import ipywidgets as W

    integer = isinstance(value, Integral) and isinstance(1 if step is None else step, Integral)
    kind = W.IntSlider if integer else W.FloatSlider
    if step is not None:
        extra["step"] = step
    return kind(
        value=value,
        min=low,
        max=high,
        description=label,
        continuous_update=False,
        style=_STYLE,
        **extra,
    )


def _seed_box(seed):
    """The integer seed of an explorer's random draws."""
    import ipywidgets as W

    return W.IntText(value=seed, description="seed", style=_STYLE, layout=W.Layout(width="140px"))


def _explorer_box(draw, controls, rows):
    """Wire ``controls`` (name -> widget) to ``draw(**values)`` and lay them out in ``rows``.

    In the book build (``notebook.in_book_build()``) the controls are disabled and a note
    says that the page is a static preview, live in Colab or Jupyter.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt

    def render(**values):
        draw(**values)
        plt.show()

    out = W.interactive_output(render, controls)
    layout = [W.HBox([controls[name] for name in row]) for row in rows] + [out]
    if in_book_build():
        for control in controls.values():
            control.disabled = True
        layout.insert(0, W.HTML(STATIC_PREVIEW_NOTE))
    return W.VBox(layout)


def ising_explorer(L=64, T=2.0, sweeps=300, init="random", seed=0, device=None):
    """Run ``hl.ising.simulate`` at a chosen temperature, size, start and length; show the
    final lattice and the magnetization per sweep (:func:`plotting.ising_run_figure`)."""
    import ipywidgets as W

    from . import ising, plotting
    from .device import get_device, make_generator

    dev = get_device(device)
    controls = {
        "T": _slider(T, 0.5, 4.0, "temperature T", step=0.05),
        "L": W.Dropdown(
            options=[32, 64, 128, 256], value=L, description="lattice side L", style=_STYLE
        ),
        "init": W.Dropdown(options=["random", "up"], value=init, description="start", style=_STYLE),
        "sweeps": _slider(sweeps, 50, 2000, "sweeps", step=50),
        "seed": _seed_box(seed),
    }

    def draw(T, L, init, sweeps, seed):
        result = ising.simulate(L, T, sweeps, generator=make_generator(seed, dev), init=init)
        plotting.ising_run_figure(result)

    return _explorer_box(draw, controls, [["T", "L", "init"], ["sweeps", "seed"]])


# --------------------------------------------------------------------------------------------
# Explorers of the chapters "Capacity" and "GPU timing".


def capacity_explorer(
    sizes=(250, 500, 1000),
    alpha=0.13,
    self_coupling=0.0,
    m0=0.9,
    N=None,
    max_steps=100,
    seed=0,
    device=None,
):
    """P(m_f) after ``max_steps`` synchronous steps for a chosen load α, self-coupling λ,
    initial overlap m0 and size N: all p = round(αN) patterns probed at once."""
    import ipywidgets as W

    from . import plotting, theory
    from .device import get_device, make_generator
    from .dynamics import run
    from .network import Hopfield
    from .patterns import corrupt, random_patterns

    dev = get_device(device)
    sizes = list(sizes)
    controls = {
        "alpha": _slider(alpha, 0.02, 0.40, "load α", step=0.01, readout_format=".2f"),
        "self_coupling": _slider(self_coupling, 0.0, 2.0, "self-coupling λ", step=0.25),
        "m0": _slider(m0, 0.30, 1.0, "initial overlap m0", step=0.05, readout_format=".2f"),
        "N": W.Dropdown(
            options=sizes,
            value=sizes[-1] if N is None else N,
            description="neurons N",
            style=_STYLE,
        ),
        "seed": _seed_box(seed),
    }

    def draw(alpha, self_coupling, m0, N, seed):
        gen = make_generator(seed, dev)
        p = max(1, round(alpha * N))
        patterns = random_patterns(p, N, generator=gen, device=dev)
        net = Hopfield(patterns, self_coupling=self_coupling)
        result = run(net, corrupt(patterns, m0, generator=gen), max_steps=max_steps)
        m_f = result.final_overlaps
        m_ags = theory.retrieval_overlap(net.alpha) if self_coupling == 0 else None
        ax = plotting.overlap_distributions(
            {f"N = {N}, p = {p}": m_f},
            theory=m_ags or None,
            theory_label=None if not m_ags else f"AGS m = {m_ags:.3f}",
        )
        ax.set_title(
            f"α = {net.alpha:.3f}, λ = {self_coupling:g}, m0 = {m0:.2f}: "
            f"{float((m_f > 0.9).double().mean()):.0%} with $m_f$ > 0.9, "
            f"{float(result.cycle2.double().mean()):.0%} in 2-cycles",
            fontsize=9,
        )

    return _explorer_box(draw, controls, [["alpha", "self_coupling"], ["m0", "N", "seed"]])


def timing_explorer(timers, sizes, size=None, method=None):
    """Time one method at one size each time a control changes, and keep a log of the results.

    ``timers`` maps a method name to ``fn(N) -> seconds``; the log (a log-log plot of every
    measurement made so far) lets a reader build a timing curve by hand.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt

    sizes = list(sizes)
    names = list(timers)
    controls = {
        "N": W.Dropdown(
            options=sizes,
            value=sizes[0] if size is None else size,
            description="neurons N",
            style=_STYLE,
        ),
        "method": W.ToggleButtons(
            options=names,
            value=names[0] if method is None else method,
            description="method",
            style=_STYLE,
        ),
    }
    log = {name: {} for name in names}

    def draw(N, method):
        seconds = timers[method](N)
        log[method][N] = seconds
        fig, ax = plt.subplots(figsize=(5.4, 3.2))
        for name, points in log.items():
            if points:
                n = sorted(points)
                ax.plot(n, [points[k] for k in n], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("neurons N")
        ax.set_ylabel("wall-clock time (s)")
        ax.set_title(f"{method}, N = {N}: {seconds:.3g} s", fontsize=9)
        ax.legend(fontsize=8)

    return _explorer_box(draw, controls, [["N"], ["method"]])


def recall_explorer(stored=(0, 1, 4, 7), flipped=9, rule="async", seed=0, device=None):
    """Store the ticked digit glyphs, flip ``flipped`` pixels of each, and show probe, result and
    target for every stored digit (:func:`plotting.recall_figure`)."""
    import ipywidgets as W
    import torch

    from . import plotting
    from .device import get_device, make_generator
    from .dynamics import run
    from .network import Hopfield
    from .patterns import corrupt, digits

    dev = get_device(device)
    glyphs = digits(dev)
    N = glyphs.shape[1]
    controls = {
        f"digit_{d}": W.Checkbox(
            value=d in stored, description=str(d), indent=False, layout=W.Layout(width="44px")
        )
        for d in range(10)
    }
    controls["flipped"] = _slider(flipped, 0, N // 2, "flipped pixels")
    controls["rule"] = W.Dropdown(
        options=["async", "sync"],
        value=rule,
        description="update",
        style=_STYLE,
        layout=W.Layout(width="170px"),
    )
    controls["seed"] = _seed_box(seed)

    def draw(flipped, rule, seed, **ticks):
        chosen = [d for d in range(10) if ticks[f"digit_{d}"]]
        if not chosen:
            print("Tick at least one digit to store.")
            return
        patterns = glyphs[chosen]
        net = Hopfield(patterns)
        gen = make_generator(seed, dev)
        probes = corrupt(patterns, 1.0 - 2.0 * flipped / N, generator=gen)
        result = run(net, probes, rule=rule, max_steps=50, generator=gen)
        ok = int((result.final_overlaps == 1).sum())
        cycles = int(result.cycle2.sum())
        note = f", {cycles} in a 2-cycle" if cycles else ""
        plotting.recall_figure(
            probes,
            result.state,
            patterns,
            torch.arange(len(chosen), device=dev),
            labels=[f"digit {d}" for d in chosen],
            title=f"{len(chosen)} stored, {flipped} pixels flipped, {rule}: "
            f"{ok} of {len(chosen)} recalled exactly{note}",
        )

    return _explorer_box(
        draw, controls, [[f"digit_{d}" for d in range(10)], ["flipped", "rule", "seed"]]
    )


def energy_explorer(N=300, alpha=0.05, T=0.0, rule="async", m0=0.9, probes=12, seed=0, device=None):
    """Run ``probes`` noisy probes of random patterns at loading ``alpha`` and temperature ``T``
    with the chosen update rule; plot energy and overlap per step
    (:func:`plotting.energy_overlap_traces`), counting energy rises and 2-cycles."""
    import ipywidgets as W
    import torch

    from . import plotting
    from .device import get_device, make_generator
    from .dynamics import run
    from .network import Hopfield
    from .patterns import corrupt, random_patterns

    dev = get_device(device)
    controls = {
        "T": _slider(T, 0.0, 1.5, "temperature T", step=0.05),
        "alpha": _slider(alpha, 0.01, 0.3, "loading α", step=0.01),
        "rule": W.Dropdown(
            options=["async", "sync"],
            value=rule,
            description="update",
            style=_STYLE,
            layout=W.Layout(width="170px"),
        ),
        "m0": _slider(m0, 0.1, 1.0, "initial overlap m0", step=0.05),
        "seed": _seed_box(seed),
    }

    def draw(T, alpha, rule, m0, seed):
        gen = make_generator(seed, dev)
        p = max(1, int(alpha * N)) | 1  # odd p with even N: no zero fields
        patterns = random_patterns(p, N, generator=gen)
        net = Hopfield(patterns)
        B = min(probes, p)
        start = corrupt(patterns[:B], m0, generator=gen)
        result = run(
            net,
            start,
            rule=rule,
            temperature=T,
            max_steps=20,
            generator=gen,
            targets=torch.arange(B, device=dev),
            record=True,
        )
        rises = int((torch.diff(result.energies, dim=0) > 1e-9).any(0).sum())
        cycles = int(result.cycle2.sum()) if T == 0 else 0
        extra = f", {cycles} in 2-cycles" if T == 0 else ""
        plotting.energy_overlap_traces(
            result,
            N,
            title=f"N = {N}, p = {p} (α = {p / N:.3f}), T = {T:g}, {rule}: "
            f"energy rose for {rises} of {B} probes{extra}",
        )

    return _explorer_box(draw, controls, [["T", "alpha"], ["rule", "m0", "seed"]])


# --------------------------------------------------------------------------------------------
# Explorer of the chapter "Dense associative memory and modern Hopfield networks".


def modern_explorer(digit=8, known_rows=5, beta=0.3, device=None):
    """One update of ``hl.ModernHopfield`` storing the ten digit glyphs, from a query that shows
    the top ``known_rows`` rows of ``digit`` (the rest 0): query, output and the softmax weight
    of every stored glyph, at inverse temperature ``beta`` (1/overlap units)."""
    import math

    import ipywidgets as W
    import matplotlib.pyplot as plt

    from .dense import ModernHopfield
    from .patterns import DIGIT_SHAPE, digits

    glyphs = digits(device).float()
    rows, cols = DIGIT_SHAPE
    controls = {
        "digit": W.Dropdown(
            options=list(range(10)), value=digit, description="digit", style=_STYLE
        ),
        "known_rows": _slider(known_rows, 1, rows, "rows shown"),
        "log_beta": _slider(math.log10(beta), -2.0, 1.0, "log10 β", step=0.1),
    }

    def draw(digit, known_rows, log_beta):
        beta = 10.0**log_beta
        query = glyphs[[digit]].clone()
        query[:, known_rows * cols :] = 0.0
        net = ModernHopfield(glyphs, beta=beta)
        out, weights = net.update(query), net.weights(query)[0]
        fig, axes = plt.subplots(
            1, 3, figsize=(7.2, 2.6), gridspec_kw={"width_ratios": [1, 1, 2.6]}
        )
        for ax, img, title in ((axes[0], query, "query"), (axes[1], out, "one update")):
            ax.imshow(img.reshape(rows, cols).cpu(), cmap="Greys", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(title, fontsize=9)
        axes[2].bar(range(10), weights.cpu().numpy(), color="tab:blue")
        axes[2].set_xticks(range(10))
        axes[2].set_ylim(0, 1)
        axes[2].set_xlabel("stored digit")
        axes[2].set_ylabel("softmax weight")
        axes[2].set_title(f"β = {beta:.3g}", fontsize=9)
        fig.tight_layout()

    return _explorer_box(draw, controls, [["digit", "known_rows"], ["log_beta"]])

"""Figures shared by the chapters (matplotlib). Each function returns the figure or axes it drew."""

import itertools
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import HTML
from matplotlib import animation
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.ticker import MaxNLocator, NullFormatter

from .ising import T_C, onsager_magnetization
from .observables import overlap_histogram
from .patterns import DIGIT_SHAPE


# --------------------------------------------------------------------------------------------
# Figures of the chapters "The Ising model", "Hebbian storage" and "Energy".
# Spins are drawn black for +1 (a firing neuron, an up spin, ink) and white for -1.


def _numpy_of(x):
    """A NumPy copy of a tensor (any device) or array-like."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def spin_image(ax, spins, shape=None, title=None, frame_color=None):
    """Draw one ±1 configuration on ``ax`` (+1 black, -1 white), reshaped to ``shape`` if given."""
    img = _numpy_of(spins).astype(float)
    if shape is not None:
        img = img.reshape(shape)
    ax.imshow(img, cmap="Greys", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color(frame_color or "0.6")
        spine.set_linewidth(2.5 if frame_color else 0.8)
    return ax


def glyph_grid(
    rows, shape=None, row_labels=None, col_titles=None, frame_colors=None, size=0.8, title=None
):
    """A grid of ±1 images: ``rows`` is a list of (B, N) batches, one figure row per batch.

    ``shape`` defaults to the digit glyphs' (10, 9). ``frame_colors`` (same nesting as
    ``rows``, entries may be None) outlines chosen cells, e.g. green for a correct recall.
    """
    shape = DIGIT_SHAPE if shape is None else shape
    rows = [_numpy_of(r).reshape(-1, shape[0] * shape[1]) for r in rows]
    nrows, ncols = len(rows), max(len(r) for r in rows)
    aspect = shape[0] / shape[1]
    width = size * ncols + (0.9 if row_labels else 0.2)
    if title:
        width = max(width, 0.075 * len(title))  # room for the title when there are few columns
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, size * aspect * nrows + 0.4), squeeze=False
    )
    for i, batch in enumerate(rows):
        for j in range(ncols):
            ax = axes[i, j]
            if j >= len(batch):
                ax.axis("off")
                continue
            color = frame_colors[i][j] if frame_colors is not None else None
            spin_image(ax, batch[j], shape, frame_color=color)
            if i == 0 and col_titles is not None:
                ax.set_title(col_titles[j], fontsize=9)
        if row_labels is not None:
            axes[i, 0].set_ylabel(row_labels[i], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.set_figheight(fig.get_figheight() + 0.35)
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.3, w_pad=0.3, h_pad=0.3)
    return fig


def recall_figure(probes, finals, patterns, targets, shape=None, labels=None, size=0.8, title=None):
    """Probe, result and target glyphs side by side (columns = probes); results framed green
    when they equal their target exactly, red otherwise. Returns the figure."""
    finals_t = torch.as_tensor(finals)
    pats = torch.as_tensor(patterns)[torch.as_tensor(targets).long().cpu()].to(finals_t.device)
    ok = (finals_t == pats).all(1).tolist()
    colors = [[None] * len(ok), ["tab:green" if o else "tab:red" for o in ok], [None] * len(ok)]
    return glyph_grid(
        [probes, finals, pats],
        shape=shape,
        row_labels=["probe", "result", "target"],
        col_titles=labels,
        frame_colors=colors,
        size=size,
        title=title,
    )


def signed_maps(
    values, shape=None, titles=None, label="value", size=1.1, vmax=None, mark_negative=True
):
    """Images of real values (B, N), one per row of ``values``, on a red-white-blue scale
    centred on 0 (negative red), with one shared colour bar; negative cells are also marked
    with a black cross when ``mark_negative``. Returns the figure."""
    shape = DIGIT_SHAPE if shape is None else shape
    v = _numpy_of(values).astype(float).reshape(-1, *shape)
    vmax = float(np.abs(v).max()) if vmax is None else vmax
    fig, axes = plt.subplots(
        1, len(v), figsize=(size * len(v) + 1.0, size * shape[0] / shape[1] + 0.4), squeeze=False
    )
    for k, ax in enumerate(axes[0]):
        im = ax.imshow(v[k], cmap="RdBu", vmin=-vmax, vmax=vmax, interpolation="nearest")
        if mark_negative:
            rows, cols = np.nonzero(v[k] < 0)
            ax.scatter(cols, rows, marker="x", color="black", s=14, linewidths=0.9)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
    fig.colorbar(im, ax=list(axes[0]), fraction=0.025, pad=0.02, label=label)
    return fig


def overlap_matrix(patterns, labels=None, ax=None, title=None):
    """Heat map of the pattern-pattern overlaps ξ^μ·ξ^ν / N with the values written in."""
    x = _numpy_of(patterns).astype(float)
    m = x @ x.T / x.shape[1]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * len(m) + 1.6, 0.42 * len(m) + 0.9))
    im = ax.imshow(m, cmap="RdBu_r", vmin=-1, vmax=1)
    labels = list(range(len(m))) if labels is None else labels
    ax.set_xticks(range(len(m)), labels)
    ax.set_yticks(range(len(m)), labels)
    ax.set_xlabel("pattern ν")
    ax.set_ylabel("pattern μ")
    for i in range(len(m)):
        for j in range(len(m)):
            ax.text(
                j,
                i,
                f"{m[i, j]:.2f}".replace("0.", "."),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if abs(m[i, j]) > 0.6 else "black",
            )
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="overlap")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def frustrated_triangle(J=-1.0):
    """All 8 states of three spins coupled pairwise by J (H = -J Σ_pairs s_i s_j), energy in titles.

    Satisfied bonds (J s_i s_j > 0) are solid green, frustrated ones dashed red. Returns the figure.
    """
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.87]])
    states = list(itertools.product((1, -1), repeat=3))
    energies = [-J * (s[0] * s[1] + s[1] * s[2] + s[0] * s[2]) for s in states]
    emin = min(energies)
    fig, axes = plt.subplots(1, 8, figsize=(10.5, 1.9))
    for ax, s, e in zip(axes, states, energies):
        for a, b in ((0, 1), (1, 2), (0, 2)):
            good = J * s[a] * s[b] > 0
            ax.plot(
                *corners[[a, b]].T,
                color="tab:green" if good else "tab:red",
                ls="-" if good else "--",
                lw=2.5,
                zorder=1,
            )
        for c, si in zip(corners, s):
            ax.scatter(*c, s=330, color="black" if si > 0 else "white", edgecolor="black", zorder=2)
            ax.annotate(
                "↑" if si > 0 else "↓",
                c,
                ha="center",
                va="center",
                zorder=3,
                color="white" if si > 0 else "black",
                fontsize=11,
                fontweight="bold",
            )
        ax.set_title(
            f"E = {e:+g}" + (" (min)" if e == emin else ""),
            fontsize=9,
            fontweight="bold" if e == emin else "normal",
        )
        ax.set_xlim(-0.25, 1.25)
        ax.set_ylim(-0.25, 1.12)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout(pad=0.2)
    return fig


def ising_run_figure(result, axes=None):
    """Final lattice of an ``hl.ising.simulate`` result beside its magnetization per sweep."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.2, 3.4), gridspec_kw={"width_ratios": [1, 1.5]})
    T = result.temperature
    L = result.spins.shape[0]
    spin_image(
        axes[0],
        result.spins,
        title=f"L = {L}, T = {T:.2f} after {len(result.magnetization)} sweeps",
    )
    m = _numpy_of(result.magnetization)
    axes[1].plot(np.arange(1, len(m) + 1), m, lw=1, label="simulation m(t)")
    m_exact = onsager_magnetization(T)
    for sign in (1, -1):
        axes[1].axhline(
            sign * m_exact,
            color="k",
            ls="--",
            lw=1,
            label="Onsager–Yang ±m(T)" if sign == 1 else None,
        )
    axes[1].set_ylim(-1.05, 1.05)
    axes[1].set_xlabel("sweep (one update of every spin)")
    axes[1].set_ylabel("magnetization per spin m")
    axes[1].set_title(f"T/T_c = {T / T_C:.2f}", fontsize=9)
    axes[1].legend(fontsize=9, loc="center right", framealpha=0.9)
    axes[0].figure.tight_layout()
    return axes


def magnetization_curve(temperatures, curves, ax=None):
    """|m| against T for several lattice sizes beside the exact infinite-lattice curve.

    ``curves`` maps L to (mean |m|, standard error) arrays over ``temperatures``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.2, 3.8))
    t = np.asarray(temperatures, dtype=float)
    fine = np.linspace(min(t.min(), 0.8), t.max(), 600)
    ax.plot(fine, onsager_magnetization(fine), color="k", lw=1.6, label="Onsager–Yang, L = ∞")
    markers = "osd^v<>"
    for i, (L, (mean, err)) in enumerate(sorted(curves.items())):
        ax.errorbar(
            t,
            mean,
            yerr=err,
            marker=markers[i % len(markers)],
            ms=4,
            lw=1,
            capsize=2,
            label=f"simulation, L = {L}",
        )
    ax.axvline(T_C, color="0.5", ls=":", lw=1)
    ax.text(T_C + 0.03, 1.02, "$T_c$", color="0.35", fontsize=9, va="bottom")
    ax.set_xlabel("temperature T  (units of J/k_B)")
    ax.set_ylabel("mean |magnetization| per spin")
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize=9)
    return ax


def glyph_animation(frames, shape=None, energies=None, titles=None, interval=180, size=2.0):
    """A matplotlib animation of ±1 frames (F, N); with ``energies`` (F,) a second panel traces E.

    Show it in a notebook with ``IPython.display.HTML(anim.to_jshtml())``: the frames are
    embedded in the page, so the animation also plays on a static site.
    """
    shape = DIGIT_SHAPE if shape is None else shape
    data = _numpy_of(frames).astype(float).reshape(-1, *shape)
    if energies is None:
        fig, ax_img = plt.subplots(figsize=(size, size * shape[0] / shape[1]))
        ax_e = None
    else:
        fig, (ax_img, ax_e) = plt.subplots(
            1, 2, figsize=(2.3 * size, size * 1.05), gridspec_kw={"width_ratios": [1, 1.4]}
        )
    img = ax_img.imshow(data[0], cmap="Greys", vmin=-1, vmax=1, interpolation="nearest")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    title = fig.suptitle("" if titles is None else titles[0], fontsize=9)
    if ax_e is not None:
        e = _numpy_of(energies).astype(float)
        ax_e.plot(np.arange(len(e)), e, color="0.75", lw=1)
        (dot,) = ax_e.plot([0], [e[0]], "o", color="tab:red", ms=5)
        ax_e.set_xlabel("frame", fontsize=9)
        ax_e.set_ylabel("energy E", fontsize=9)
        ax_e.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_e.tick_params(labelsize=9)
    fig.tight_layout(pad=0.4)

    def update(i):
        img.set_data(data[i])
        if titles is not None:
            title.set_text(titles[i])
        if ax_e is not None:
            dot.set_data([i], [e[i]])
            return img, title, dot
        return img, title

    anim = animation.FuncAnimation(fig, update, frames=len(data), interval=interval, blit=False)
    plt.close(fig)
    return anim


# --------------------------------------------------------------------------------------------
# Figures of the chapters "Capacity" and "GPU timing".


def overlap_distributions(
    samples, ax=None, bins=81, theory=None, theory_label=None, log=True, xlim=(-0.05, 1.02)
):
    """P(m_f): a step histogram of final overlaps per entry of ``samples`` (label -> values).

    Bins cover [-1, 1] (:func:`hopfield_lib.overlap_histogram`); the y axis is the fraction
    of probes per bin, on a log scale by default so that small weights stay visible.
    ``theory`` draws a vertical line at that overlap (e.g. the AGS retrieval overlap).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.4))
    width = 2.0 / bins
    for label, values in samples.items():
        centres, prob = overlap_histogram(_numpy_of(values), bins=bins)
        edges = np.append(centres - width / 2, centres[-1] + width / 2)
        ax.stairs(prob, edges, lw=1.6, label=label)
    if theory is not None:
        ax.axvline(theory, color="k", ls="--", lw=1, label=theory_label)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.5 / max(len(_numpy_of(v)) for v in samples.values()))
    ax.set_xlim(*xlim)
    ax.set_xlabel("final overlap $m_f$ with the target pattern")
    ax.set_ylabel(f"$P(m_f)$, fraction per bin of {width:.3g}")
    ax.legend(fontsize=9, loc="upper left")
    return ax


def converged_fraction_curves(curves, ax=None):
    """Fraction of probes sitting on a fixed point against the step t, one line per label.

    ``curves`` maps a label to the output of :func:`hopfield_lib.converged_fraction`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.4))
    for label, frac in curves.items():
        f = _numpy_of(frac)
        ax.plot(np.arange(len(f)), f, lw=1.6, label=label)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("synchronous step t")
    ax.set_ylabel("fraction of probes on a fixed point")
    ax.legend(fontsize=9, loc="lower right")
    return ax


def overlap_trajectories(
    overlaps, ax=None, vmin=0.0, vmax=1.0, vcenter=0.9, cmap="viridis", colorbar=True
):
    """m(t) of every probe as an image: steps on x, probes sorted by final overlap on y.

    ``overlaps`` is ``Result.overlaps`` (steps + 1, B) from ``hl.run(..., record=True)``.
    ``vcenter`` gives half of the colour scale to [vcenter, vmax], so that the climb from a
    probe's start to the retrieval state stays visible (None for a linear scale).
    Returns the image (for a shared colour bar).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.4))
    m = _numpy_of(overlaps).astype(float)
    order = np.argsort(m[-1], kind="stable")
    if vcenter is not None and vmin < vcenter < vmax:
        norm = TwoSlopeNorm(vcenter=vcenter, vmin=vmin, vmax=vmax)
    else:
        norm = Normalize(vmin=vmin, vmax=vmax)
    im = ax.imshow(
        m[:, order].T,
        aspect="auto",
        origin="lower",
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
        extent=(-0.5, m.shape[0] - 0.5, -0.5, m.shape[1] - 0.5),
    )
    ax.set_xlabel("synchronous step t")
    ax.set_ylabel("probe (sorted by final overlap)")
    if colorbar:
        bar = ax.figure.colorbar(im, ax=ax, label="overlap m(t)", fraction=0.05, pad=0.03)
        if isinstance(norm, TwoSlopeNorm):
            bar.set_ticks(list(np.linspace(vmin, vcenter, 4)) + [(vcenter + vmax) / 2, vmax])
    return im


def recall_curves(alphas, curves, ax=None, alpha_c=None, half=True):
    """Fraction of successful recalls against the load α with error bars, one series per label.

    ``curves`` maps a label to (fractions, standard errors) over ``alphas``; ``alpha_c`` adds a
    vertical line (the theory's critical load), ``half`` a horizontal line at one half.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.6))
    a = np.asarray(alphas, dtype=float)
    markers = "osd^v<>"
    for i, (label, (frac, err)) in enumerate(curves.items()):
        ax.errorbar(
            a,
            _numpy_of(frac),
            yerr=_numpy_of(err),
            marker=markers[i % len(markers)],
            ms=4,
            lw=1.2,
            capsize=2,
            label=label,
        )
    if alpha_c is not None:
        ax.axvline(alpha_c, color="k", ls="--", lw=1, label=f"AGS $\\alpha_c$ = {alpha_c:.3f}")
    if half:
        ax.axhline(0.5, color="0.6", ls=":", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("load α = p/N")
    ax.set_ylabel("fraction of successful recalls")
    ax.legend(fontsize=9, loc="lower left")
    return ax


def timing_plot(series, ax=None, power=3, fit_last=3, xlabel="size n", extend_to=None):
    """Seconds against size on log-log axes, one series per label: (sizes, seconds).

    Each series gets a dashed line t = c·n^power with c fitted (in log space) to its
    ``fit_last`` largest sizes, where fixed overheads matter least; ``extend_to`` draws the
    lines on to that size (an extrapolation). Returns {label: c}.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.8))
    prefactors = {}
    markers = "osd^v<>"
    for i, (label, (sizes, seconds)) in enumerate(series.items()):
        n = np.asarray(sizes, dtype=float)
        t = np.asarray(seconds, dtype=float)
        (line,) = ax.plot(n, t, marker=markers[i % len(markers)], ls="-", lw=1.2, label=label)
        tail = slice(max(0, len(n) - fit_last), len(n))
        c = float(np.exp(np.mean(np.log(t[tail]) - power * np.log(n[tail]))))
        prefactors[label] = c
        fine = np.geomspace(n.min(), max(n.max(), extend_to or 0), 50)
        ax.plot(fine, c * fine**power, ls="--", lw=1, color=line.get_color(), alpha=0.7)
    ax.plot([], [], ls="--", color="0.4", lw=1, label=f"fits ∝ $n^{power}$")
    ax.set_xscale("log")
    ax.set_yscale("log")

    ticks = sorted(
        {int(v) for sizes, _ in series.values() for v in sizes}
        | ({int(extend_to)} if extend_to else set())
    )
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(ticks, [str(v) for v in ticks], rotation=45 if len(ticks) > 6 else 0, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("wall-clock time (s)")
    ax.legend(fontsize=9)
    return prefactors


def energy_overlap_traces(result, N, axes=None, title=None, max_lines=40):
    """Energy per neuron and overlap with the target after every step of a recorded ``hl.run``
    result (``record=True``), one thin line per probe (at most ``max_lines``). Returns the axes."""
    if result.energies is None:
        raise ValueError("result has no recorded energies: run hl.run(..., record=True)")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.0, 3.2))
    e = _numpy_of(result.energies)[:, :max_lines] / N
    m = _numpy_of(result.overlaps)[:, :max_lines]
    t = np.arange(e.shape[0])
    unit = "sweep" if result.rule != "sync" else "synchronous step"
    axes[0].plot(t, e, lw=0.8, alpha=0.7)
    axes[0].set_xlabel(unit)
    axes[0].set_ylabel("energy per neuron E/N")
    axes[1].plot(t, m, lw=0.8, alpha=0.7)
    axes[1].set_xlabel(unit)
    axes[1].set_ylabel("overlap m with the target")
    axes[1].set_ylim(-0.05, 1.05)
    if title:
        axes[0].figure.suptitle(title, fontsize=10)
    axes[0].figure.tight_layout()
    return axes


_ANIMATION_ICONS = {
    "fa fa-minus": "&minus;",
    "fa fa-fast-backward": "|&#x25C0;",
    "fa fa-step-backward": "&#x2039;",
    "fa fa-play fa-flip-horizontal": "&#x25C0;",
    "fa fa-pause": "||",
    "fa fa-play": "&#x25B6;",
    "fa fa-step-forward": "&#x203A;",
    "fa fa-fast-forward": "&#x25B6;|",
    "fa fa-plus": "+",
}


def animation_html(anim, default_mode="once"):
    """An animation as self-contained HTML for a notebook or a static, offline page.

    ``anim.to_jshtml()`` embeds every frame, but its control buttons load an icon font from a
    CDN; this version drops that link and labels the buttons with plain Unicode symbols.
    Returns an ``IPython.display.HTML`` object (display it, or make it a cell's last line).
    """
    # Frames at twice the figure's resolution, shown at its size: sharp on high-density screens.
    fig = anim._fig
    shown_px = int(2 * fig.get_figwidth() * fig.dpi) / 2  # half the frames' pixel width
    with mpl.rc_context({"savefig.dpi": 2 * fig.dpi}):
        html = anim.to_jshtml(default_mode=default_mode)
    style = f"width: {shown_px:g}px; max-width: 100%"
    html = html.replace('<img id="_anim_img', f'<img style="{style}" id="_anim_img', 1)
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    for cls, symbol in _ANIMATION_ICONS.items():
        html = html.replace(f'<i class="{cls}"></i>', symbol)
    if re.search(r'(href|src)="https?://', html):
        raise RuntimeError("animation HTML still refers to an external resource")
    return HTML(html)


# --------------------------------------------------------------------------------------------
# Figures of the chapter "Capacity" (the chapter computes, these functions only draw).


def error_rate_figure(ber, N, large_n_rate):
    """One-step bit error rates: measured, exact finite-N and large-N (erfc), and their ratio.

    ``ber`` maps (λ, α) to a dict with "rate", "err", "exact", "theory" (fractions of bits);
    ``large_n_rate(alpha, lam)`` draws the smooth large-N curve. Returns the figure.
    """
    fig, (ax, ax_r) = plt.subplots(1, 2, figsize=(10, 3.9))
    lams = sorted({lam for lam, _ in ber})
    for lam, color in zip(lams, ("tab:blue", "tab:orange", "tab:green")):
        a = np.array(sorted(al for la, al in ber if la == lam))
        rows = [ber[lam, x] for x in a]
        rate, err, theory, exact = (
            np.array([r[k] for r in rows]) for k in ("rate", "err", "theory", "exact")
        )
        fine = np.linspace(a.min() * 0.9, a.max() * 1.05, 300)
        ax.plot(fine, large_n_rate(fine, lam), color=color, lw=1.2, label=f"½ erfc, λ = {lam:g}")
        ax.errorbar(a, rate, yerr=err, fmt="o", ms=4, color=color, label=f"engine, λ = {lam:g}")
        ax_r.errorbar(
            a * (1 + 0.01 * lam),
            rate / theory,
            yerr=err / theory,
            fmt="o",
            ms=4,
            color=color,
            label=f"engine, λ = {lam:g}",
        )
        ax_r.plot(a, exact / theory, "--", color=color, lw=1, label=f"exact N = {N}, λ = {lam:g}")
    ax.set_yscale("log")
    ax.set_xlabel("load α = p/N")
    ax.set_ylabel("fraction of bits flipped in one step")
    ax.legend(loc="lower right")
    ax_r.axhline(1, color="0.5", lw=0.8)
    ax_r.set_xlabel("load α = p/N")
    ax_r.set_ylabel("rate / large-N formula")
    ax_r.legend(loc="lower right", ncol=2)
    fig.tight_layout()
    return fig


def perfect_recall_figure(N, p_values, all_fixed, all_fixed_err, poisson, p_bound):
    """Fraction of networks whose every stored bit is stable, against p, with e^{-NpP_e}.

    ``p_bound`` marks N/(4 ln N). Returns the figure.
    """
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.errorbar(
        p_values,
        all_fixed,
        yerr=all_fixed_err,
        fmt="o",
        ms=5,
        capsize=2,
        label=f"engine, N = {N}: all p patterns are fixed points",
    )
    ax.plot(p_values, poisson, "k-", lw=1.2, label=r"$\exp(-N p P_e)$, exact $P_e$")
    ax.axvline(p_bound, color="tab:red", ls="--", lw=1, label=f"N/(4 ln N) = {p_bound:.1f}")
    ax.set_xlabel("number of stored patterns p")
    ax.set_ylabel("fraction of networks")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def ags_zero_temperature_figure(alphas, m, energies, alpha_c, alpha_coex, quoted=0.144):
    """AGS at T = 0: retrieval overlap m(α) (left) and energies per neuron (right).

    ``energies`` maps a label to E/N over ``alphas`` (nan where the state does not exist).
    Marks the spinodal α_c, the coexistence load and the value ``quoted`` in the paper.
    """
    fig, (ax, ax_e) = plt.subplots(1, 2, figsize=(10, 3.8))
    ok = np.isfinite(m)
    ax.plot(alphas[ok], m[ok], color="k", lw=1.6, label="retrieval state (AGS, T = 0)")
    ax.plot([alphas[ok][-1], alphas[ok][-1]], [0, m[ok][-1]], color="k", lw=0.8, ls=":")
    ax.axvline(quoted, color="tab:red", ls="--", lw=1, label=f"{quoted} (quoted in the paper)")
    ax.axvline(
        alpha_coex,
        color="tab:green",
        ls="-.",
        lw=1,
        label=f"retrieval lowest below {alpha_coex:.3f}",
    )
    ax.annotate(
        f"$\\alpha_c$ = {alpha_c:.4f}\n$m_c$ = {m[ok][-1]:.3f}",
        (alpha_c, m[ok][-1]),
        (0.07, 0.55),
        arrowprops=dict(arrowstyle="->", lw=0.8),
    )
    ax.set_xlim(0, alphas.max())
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("load α = p/N")
    ax.set_ylabel("overlap m of the retrieval state")
    ax.legend(loc="lower left")
    for (label, e), color in zip(energies.items(), ("k", "tab:purple", "tab:gray")):
        ax_e.plot(alphas, e, color=color, lw=1.6, label=label)
    ax_e.axvline(alpha_coex, color="tab:green", ls="-.", lw=1)
    ax_e.axvline(alpha_c, color="k", ls=":", lw=0.8)
    ax_e.set_xlim(0, alphas.max())
    ax_e.set_xlabel("load α = p/N")
    ax_e.set_ylabel("energy per neuron E/N (T = 0)")
    ax_e.legend(loc="upper right")
    fig.tight_layout()
    return fig


def phase_diagram_figure(lines, points, q_curves, q_points):
    """AGS phase diagram with simulations (left) and the Edwards-Anderson q against T (right).

    ``lines`` maps a label to (α values, T values); ``points`` is (α, T, m_f) arrays of the
    simulated grid, coloured by the measured final overlap. ``q_curves`` maps a label to
    (T values, theory q); ``q_points`` maps the same labels to (T values, measured q, error).
    """
    fig, (ax, ax_q) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    styles = {"T_g": ("k", "-"), "T_M": ("tab:blue", "-"), "T_c": ("tab:green", "-.")}
    for label, (a, t) in lines.items():
        color, ls = next((v for k, v in styles.items() if k in label), ("0.4", ":"))
        ax.plot(a, t, color=color, ls=ls, lw=1.6, label=label)
    a, t, m_f = (np.asarray(v, dtype=float) for v in points)
    sc = ax.scatter(
        a, t, c=m_f, cmap="viridis", vmin=0, vmax=1, s=45, edgecolors="k", linewidths=0.5, zorder=3
    )
    fig.colorbar(sc, ax=ax, label="measured $m_f$ (start at the pattern)", fraction=0.05)
    ax.set_xlim(0, max(a.max() * 1.1, 0.2))
    ax.set_ylim(0, max(t.max() * 1.4, 1.6))  # room for the legend above the points
    ax.set_xlabel("load α = p/N")
    ax.set_ylabel("temperature T")
    ax.legend(loc="upper right")
    for i, (label, (tq, q)) in enumerate(q_curves.items()):
        color = f"C{i}"
        ax_q.plot(tq, q, color=color, lw=1.4, label=f"theory, {label}")
        tm, qm, qe = q_points[label]
        ax_q.errorbar(tm, qm, yerr=qe, fmt="o", ms=4, color=color, capsize=2)
    ax_q.set_xlabel("temperature T")
    ax_q.set_ylabel("Edwards-Anderson $q$")
    ax_q.set_ylim(-0.03, 1.03)
    ax_q.legend(loc="upper right")
    fig.tight_layout()
    return fig


def basins_figure(m0s, curves, theory, alpha_c):
    """Final overlap against initial overlap, one line per load, AGS retrieval overlap dashed.

    ``curves`` maps α to (mean m_f, standard error) over ``m0s``; ``theory`` maps α to the
    AGS T = 0 overlap (0 above ``alpha_c``, then no line).
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for i, (alpha, (mf, err)) in enumerate(curves.items()):
        color = f"C{i}"
        ax.errorbar(
            m0s,
            mf,
            yerr=err,
            fmt="o-",
            ms=4,
            lw=1.2,
            capsize=2,
            color=color,
            label=f"α = {alpha:g}" + (" > $\\alpha_c$" if alpha > alpha_c else ""),
        )
        if theory.get(alpha, 0) > 0:
            ax.axhline(theory[alpha], color=color, ls="--", lw=0.9)
    ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls=":", label="$m_f = m_0$")
    ax.set_xlabel("initial overlap $m_0$")
    ax.set_ylabel("mean final overlap $m_f$")
    ax.set_ylim(-0.02, 1.03)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def capacity_dynamics_figure(cells, lam, alpha_pair, theory):
    """The paper's Figures 3 and 4: P(m_f), converged fraction and m(t) for two loads.

    ``cells[alpha]`` maps N to a run dict with "m_f", "converged", "overlaps", "p";
    ``theory[alpha]`` is the AGS overlap (0 for none). Returns the figure.
    """
    fig, axes = plt.subplots(3, 2, figsize=(10.5, 10.5), gridspec_kw={"height_ratios": [1.1, 1, 1]})
    for col, alpha in enumerate(alpha_pair):
        runs = cells[alpha]
        largest = max(runs)
        m_th = theory.get(alpha, 0.0)
        overlap_distributions(
            {f"N = {N}: mean $m_f$ = {r['m_f'].mean():.3f}": r["m_f"] for N, r in runs.items()},
            ax=axes[0, col],
            theory=m_th or None,
            theory_label=f"AGS m = {m_th:.3f}" if m_th else None,
        )
        converged_fraction_curves(
            {f"N = {N}": r["converged"] for N, r in runs.items()}, ax=axes[1, col]
        )
        overlap_trajectories(runs[largest]["overlaps"], ax=axes[2, col])
        letters = "ace" if col == 0 else "bdf"
        whats = ["final overlaps", "convergence", f"m(t), N = {largest}, p = {runs[largest]['p']}"]
        for row, what in enumerate(whats):
            axes[row, col].set_title(f"({letters[row]}) λ = {lam:g}, α = {alpha}: {what}")
    fig.tight_layout()
    return fig


def finite_size_figure(alphas, curves, x, y, s, fit, alpha_c, title, quoted=0.144):
    """Recall against load per size (left); half-success load against 1/√N with a line (right).

    ``curves`` maps N to (fractions, errors); x = 1/√N, y ± s the half-success loads;
    ``fit`` = (slope, intercept, intercept error). Returns the figure.
    """
    slope, intercept, intercept_err = fit
    fig, (ax, ax_n) = plt.subplots(1, 2, figsize=(10.5, 3.9))
    recall_curves(alphas, {f"N = {N}": c for N, c in curves.items()}, ax=ax, alpha_c=alpha_c)
    ax.set_title(title)
    ax_n.errorbar(
        x, y, yerr=s, fmt="o", ms=5, capsize=3, color="tab:blue", label=r"$\alpha_{1/2}(N)$"
    )
    xs = np.linspace(0, x.max() * 1.05, 50)
    ax_n.plot(
        xs,
        intercept + slope * xs,
        "--",
        color="tab:blue",
        lw=1,
        label=f"line: {intercept:.3f} ± {intercept_err:.3f} at N = ∞",
    )
    ax_n.plot([0], [alpha_c], "k*", ms=11, label=f"AGS {alpha_c:.3f}")
    ax_n.plot([0], [quoted], "r^", ms=7, label=f"{quoted} (paper)")
    ax_n.set_xlabel(r"$1/\sqrt{N}$")
    ax_n.set_ylabel(r"half-success load $\alpha_{1/2}$")
    ax_n.set_xlim(-0.003, x.max() * 1.12)
    ax_n.legend(loc="upper left")
    fig.tight_layout()
    return fig


def book_figure(name, fig):
    """Glue ``fig`` as ``name`` for a ``{glue:figure}`` while the book is built, else show it.

    In the book build the figure is closed after gluing, so the page draws it once, where the
    text places it; in Colab and Jupyter it is simply shown.
    """
    from .notebook import glue, in_book_build

    if in_book_build():
        glue(name, fig, display=False)
        plt.close(fig)
    else:
        plt.show()

"""Labels for the points of a scatter plot, placed so that none covers another."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

#: Distances from its point, in points, at which a label is tried, nearest first.
RADII_PT = (2.0, 6.0, 10.0, 15.0, 21.0, 28.0, 36.0, 46.0, 58.0, 72.0, 88.0)

#: Directions tried at each distance: right, left, above, below first, as a reader
#: expects, then the diagonals and the angles between.
ANGLES_DEG = (
    0,
    180,
    90,
    270,
    45,
    135,
    225,
    315,
    22.5,
    157.5,
    202.5,
    337.5,
    67.5,
    112.5,
    247.5,
    292.5,
)

#: Half the side, in points, of the square kept free around each point and each
#: sample of a line to avoid.
CLEARANCE_PT = 3.0


def _overlaps(box: Bbox, others: Sequence[Bbox]) -> bool:
    return any(box.overlaps(other) for other in others)


def place_labels(
    ax: plt.Axes,
    points: np.ndarray,
    labels: Sequence[str],
    colours: Sequence[object],
    fontsize: float,
    avoid: Sequence[tuple[np.ndarray, np.ndarray]] = (),
) -> list[Annotation]:
    """Label every point where the label overlaps no other label, point or segment.

    Each label is tried at growing distances from its point (:data:`RADII_PT`) in
    every direction of :data:`ANGLES_DEG`, and kept at the first place that lies
    inside the axes and keeps clear of every point, of every segment of ``avoid``
    and of the labels placed before it; a label set away from its point gets a thin
    leader line. The axes' limits and the figure's layout must be final: the
    layout is drawn, then frozen, since the places are computed in pixels.

    Returns the annotations, one per label that found a place; a label that found
    none is left out rather than drawn over another.
    """
    fig = ax.figure
    fig.canvas.draw()
    # Freeze the layout: a later layout pass would move the axes under the labels.
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72
    to_px = ax.transData.transform
    inside = ax.get_window_extent(renderer).padded(-2 * px_per_pt)
    clear = CLEARANCE_PT * px_per_pt

    def square(center: np.ndarray) -> Bbox:
        return Bbox.from_extents(*(center - clear), *(center + clear))

    centers = to_px(np.asarray(points, dtype=float))
    taken = [square(c) for c in centers]
    for start, end in avoid:
        a, b = (to_px(np.asarray(end_point, dtype=float)) for end_point in (start, end))
        steps = max(2, int(np.linalg.norm(b - a) / clear))
        taken += [square(a + (b - a) * t) for t in np.linspace(0, 1, steps + 1)]
    placed = []
    for center, label, colour in zip(centers, labels, colours):
        probe = ax.text(0, 0, label, fontsize=fontsize, transform=None)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        half = np.array([extent.width, extent.height]) / 2
        for radius, angle in ((r, a) for r in RADII_PT for a in ANGLES_DEG):
            theta = math.radians(angle)
            direction = np.array([math.cos(theta), math.sin(theta)])
            # The box's centre, far enough along the direction that its near edge is
            # ``radius`` from the point.
            offset = direction * (radius * px_per_pt + half * np.abs(direction))
            box = Bbox.from_extents(
                *(center + offset - half), *(center + offset + half)
            )
            within = inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)
            if within and not _overlaps(box, taken):
                break
        else:
            continue
        taken.append(box)
        leader = {
            "arrowstyle": "-",
            "color": colour,
            "lw": 0.6,
            "shrinkA": 0,
            "shrinkB": 2,
        }
        placed.append(
            ax.annotate(
                label,
                ax.transData.inverted().transform(center),
                xytext=offset / px_per_pt,
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=fontsize,
                color=colour,
                arrowprops=leader if radius > RADII_PT[1] else None,
            )
        )
    return placed

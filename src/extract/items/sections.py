"""The heading tree as contract sections."""

from __future__ import annotations

from extract.items.provenance import Provenance
from extract.models import Section
from extract.segment import Segmented


def extract_sections(seg: Segmented, prov: Provenance) -> list[Section]:
    """One contract Section per node of the segmented section tree, in document order, its source
    the heading's span."""
    return [
        Section(
            id=node.id, parent=node.parent.id if node.parent else None, number=node.number,
            heading=node.heading, level=node.level, kind=node.kind,
            sources=[prov.span(node.heading_start, node.heading_end)],
        )
        for node in seg.sections
    ]

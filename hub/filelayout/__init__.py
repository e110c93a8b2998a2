"""The file layout engine: a partner's file dialect (``layouts:`` in ``mappings/<partner>.yaml``) becomes a
streaming reader and writer. No partner-specific code: a new bank dialect is a new mapping file.

Two formats:

- ``fixed_width``: one record per line, fields of fixed *byte* width in the layout's ``encoding`` (e.g.
  GB18030, where a Chinese character takes two or four bytes); a header line, detail lines and a trailer
  line told apart by a constant first field; the trailer carries the record count (``role: count``) and a
  control total (``role: total``, ``of: <field>``).
- ``xml``: UTF-8 XML, header fields as attributes of the root element, one element per record with one
  attribute per field, and a trailer element with the count and control total.

Fields: ``name``, ``width`` (fixed width, bytes), ``type`` (``text``, ``int``, ``decimal`` with ``scale``),
``value`` (a constant, checked when reading), ``role`` (``count``/``total``), ``optional``. Text is
left-aligned and padded with spaces, numbers right-aligned and padded with zeros; a value that does not fit
is an error, never truncated. A byte-order mark is refused unless the layout says ``bom: strip``.

Reading is streamed (memory flat in file size) and strict: a wrong encoding, a short or long line, a
missing trailer (truncated file), a count or control total that does not match, each raises
:class:`LayoutError` naming the file and the line. Callers load inside one transaction, so an error at the
trailer rolls back everything read before it (all-or-nothing).

Speed (target 200,000 records/s each way, measured by bench/sftp_transfer.py): records are built and cut
in blocks, column by column (:mod:`.columns`, :mod:`.fastread`); whatever a block cannot take exactly goes
through the record-by-record path (``vectorised=False``), which is the reference: same bytes, same records,
same errors.

Modules: :mod:`.spec` (declarations, value rules), :mod:`.writer`, :mod:`.columns`, :mod:`.reader`,
:mod:`.fastread`, :mod:`.loading`.
"""

from hub.filelayout.loading import load_layouts
from hub.filelayout.reader import LayoutReader
from hub.filelayout.spec import BOMS, FieldSpec, Layout, LayoutError, Section
from hub.filelayout.writer import LayoutWriter

__all__ = ["BOMS", "FieldSpec", "Layout", "LayoutError", "LayoutReader", "LayoutWriter", "Section", "load_layouts"]

import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { IssuePath } from './format-issues';

/**
 * The 1-based line in the YAML source of the deepest node along `path` that exists (a missing key
 * is reported at its parent's line). Keys are located at the key itself, so an unknown or wrong key
 * points at the line where it is written.
 */
export function lineOfPath(doc: Document, lines: LineCounter, path: IssuePath): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
      // Scalars and flow collections are on the key's line; block collections start below it,
      // and the key line is where a reader looks for a problem with the whole collection.
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  if (isScalar(node) && path.length > 0) offset = rangeStart(node) ?? offset;
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

#!/usr/bin/env python3
"""Build /tmp/geo/outlines.geojson: Hauts-de-France departement outlines + the
France-Belgium land border, simplified for an offline map.

Sources (see SOURCE.md):
  * departements.geojson from github.com/gregoiredavid/france-geojson
    (IGN ADMIN EXPRESS COG 2018, Licence Ouverte / Etalab), all 96
    metropolitan departements.
  * optional, only for a cross-check: ne_10m_admin_0_boundary_lines_land.geojson
    (Natural Earth 1:10m, public domain).

Method
  1. Load the departements; the France mainland outline is the union of all 96.
  2. The FR-BE border is the part of that outline between
       - its northernmost vertex (the beach at Bray-Dunes, where the border starts), and
       - the outline vertex nearest to the Belgium-France-Luxembourg tripoint
         (49.54639 N, 5.81861 E, on the Chiers at Mont-Saint-Martin/Aubange/Petange),
     taking the shorter of the two ways round the ring (the other one is the rest of France).
  3. Topology-preserving simplification: the boundaries of the departements
     02 59 60 62 80 (+ 08 55 54 for the rest of the border) and the raw border line
     are noded into arcs; each arc is simplified with Douglas-Peucker (endpoints
     kept; tolerance halved for an arc until it no longer self-intersects, and
     tiny closed rings that would collapse are kept) and rounded to 4 decimals, so shared edges stay identical in
     neighbouring polygons and in the border line (no gaps/slivers).
  4. Polygons are rebuilt with polygonize() and given back to their departement;
     the border line is re-assembled from the arcs lying on the raw border.

Usage:
  python make_outlines.py [--tolerance 0.003] [--out /tmp/geo/outlines.geojson]
         [--departements SRC] [--ne SRC]
SRC is a file path or  git:GIT_DIR:COMMIT:PATH  (read with `git show`).
Needs shapely >= 2.0.
"""
import argparse
import json
import os
import subprocess
import sys

from shapely.geometry import LineString, MultiPolygon, Point, mapping, shape
from shapely.geometry.polygon import orient
from shapely.ops import linemerge, polygonize, split, substring, unary_union

FG_GIT = "/work/.mirror/gregoiredavid+france-geojson/repo"
FG_COMMIT = "5d34ee6d0140c29f785fdb047d9329f1aab58833"
NE_GIT = "/work/.mirror/dirkseidensticker+PikundaMunda_BatalimoMaluba_AAR/repo"
NE_COMMIT = "a83c14aec8e424aaf515bd626b18c311d9a0d784"

DEFAULT_DEPTS = f"git:{FG_GIT}:{FG_COMMIT}:departements.geojson"
DEFAULT_NE = f"git:{NE_GIT}:{NE_COMMIT}:data/ne_10m_admin_0_boundary_lines_land.geojson"

HDF = [("59", "Nord"), ("62", "Pas-de-Calais"), ("80", "Somme"), ("02", "Aisne"), ("60", "Oise")]
BORDER_DEPTS = ["59", "02", "08", "55", "54"]  # departements touching Belgium
TRIPOINT_BE_FR_LU = (5.81861, 49.54639)  # lon, lat (Wikipedia "France-Luxembourg border")
NDEC = 4


def load_json(src):
    if src.startswith("git:"):
        _, gitdir, commit, path = src.split(":", 3)
        data = subprocess.run(["git", f"--git-dir={gitdir}", "show", f"{commit}:{path}"],
                              check=True, capture_output=True).stdout
        return json.loads(data)
    with open(src, "rb") as fh:
        return json.load(fh)


def rnd(coords):
    out = []
    for x, y in coords:
        p = (round(x, NDEC), round(y, NDEC))
        if not out or p != out[-1]:
            out.append(p)
    return out


def border_line(france_ring):
    """FR-BE border as a piece of the France mainland outline ring."""
    ring = LineString(france_ring.coords)
    coords = list(ring.coords)
    north = max(coords, key=lambda c: c[1])  # Bray-Dunes beach
    tri = min(coords, key=lambda c: Point(c).distance(Point(TRIPOINT_BE_FR_LU)))
    d1, d2 = ring.project(Point(north)), ring.project(Point(tri))
    a, b = sorted((d1, d2))
    inner = substring(ring, a, b)
    if inner.length <= ring.length / 2:
        line = inner
    else:  # the short way crosses the ring's start point
        line = linemerge([substring(ring, b, ring.length), substring(ring, 0, a)])
    if Point(line.coords[0]).distance(Point(north)) > 1e-9:
        line = LineString(line.coords[::-1])  # orient north -> south-east
    return line, north, tri


def simplify_arc(arc, tol):
    # Douglas-Peucker; if the result self-intersects, retry with half the tolerance
    while True:
        c = rnd(arc.simplify(tol, preserve_topology=False).coords)
        if len(c) < 2 or LineString(c).is_simple or tol < 1e-5:
            break
        tol /= 2
    if arc.is_closed and len(c) < 4:  # tiny closed ring collapsed: keep it less simplified
        c = rnd(arc.simplify(tol / 10, preserve_topology=False).coords)
        if len(c) < 4:
            c = rnd(arc.coords)
    return LineString(c) if len(c) >= 2 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tolerance", type=float, default=0.003, help="Douglas-Peucker tolerance, degrees")
    ap.add_argument("--out", default="/tmp/geo/outlines.geojson")
    ap.add_argument("--departements", default=DEFAULT_DEPTS)
    ap.add_argument("--ne", default=DEFAULT_NE, help="Natural Earth boundary lines (cross-check only); '' to skip")
    args = ap.parse_args()

    fc = load_json(args.departements)
    depts = {f["properties"]["code"]: shape(f["geometry"]) for f in fc["features"]}
    assert len(depts) == 96, len(depts)

    france = unary_union(list(depts.values()))
    mainland = max(france.geoms, key=lambda p: p.area)
    raw_border, north, tri = border_line(mainland.exterior)
    print(f"border cut points: north={north} tripoint-vertex={tri}; raw length {raw_border.length:.3f} deg",
          file=sys.stderr)

    # --- node all relevant boundaries + the raw border into arcs
    codes = [c for c, _ in HDF] + [c for c in BORDER_DEPTS if c not in dict(HDF)]
    lines = [depts[c].boundary for c in codes] + [raw_border]
    noded = unary_union(lines)
    merged = linemerge(noded)
    merged = list(getattr(merged, "geoms", [merged]))
    # keep the border end points as arc nodes
    arcs = []
    for arc in merged:
        pieces = [arc]
        for pt in (north, tri):
            nxt = []
            for pc in pieces:
                P = Point(pt)
                if pc.distance(P) < 1e-9 and P.distance(Point(pc.coords[0])) > 1e-9 \
                        and P.distance(Point(pc.coords[-1])) > 1e-9:
                    nxt.extend(split(pc, P).geoms)
                else:
                    nxt.append(pc)
            pieces = nxt
        arcs.extend(pieces)

    simp = []
    for arc in arcs:
        on_border = arc.within(raw_border.buffer(1e-7))
        s = simplify_arc(arc, args.tolerance)
        if s is not None:
            simp.append((s, on_border))

    # --- rebuild polygons
    faces = list(polygonize(unary_union([s for s, _ in simp])))
    orphans = [f for f in faces if not any(depts[c].contains(f.representative_point()) for c in codes)]
    assert not orphans, f"{len(orphans)} sliver faces outside every departement: {[o.bounds for o in orphans]}"
    features = []
    for code, name in HDF:
        orig = depts[code]
        mine = [f for f in faces if orig.contains(f.representative_point())]
        geom = unary_union(mine)
        if geom.geom_type == "Polygon":
            geom = orient(geom, 1.0)
        else:
            geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
        assert geom.is_valid, code
        ratio = geom.area / orig.area
        assert abs(ratio - 1) < 0.01, (code, ratio)
        features.append({"type": "Feature",
                         "properties": {"kind": "department", "code": code, "name": name},
                         "geometry": mapping(geom)})

    border = linemerge([s for s, ob in simp if ob])
    assert border.geom_type == "LineString", border.geom_type
    if border.coords[0][1] < border.coords[-1][1]:
        border = LineString(border.coords[::-1])
    features.append({"type": "Feature",
                     "properties": {"kind": "border", "name": "France\u2013Belgium"},
                     "geometry": mapping(border)})

    out = {"type": "FeatureCollection", "features": features}

    def tolist(o):
        if isinstance(o, (list, tuple)):
            return [tolist(x) for x in o]
        return o
    for f in features:
        f["geometry"]["coordinates"] = tolist(f["geometry"]["coordinates"])
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, separators=(",", ":"))

    # --- report
    for f in features:
        g = shape(f["geometry"])
        n = len(json.dumps(f["geometry"]["coordinates"]))
        print(f"{f['properties']['kind']:10s} {f['properties'].get('code',''):3s} {f['properties']['name']:16s} "
              f"{g.geom_type:15s} valid={g.is_valid} bbox=({g.bounds[0]:.4f}, {g.bounds[1]:.4f}, "
              f"{g.bounds[2]:.4f}, {g.bounds[3]:.4f}) chars={n}")
    print(f"border length ~{border.length:.3f} deg; ends {border.coords[0]} -> {border.coords[-1]}")
    if args.ne:
        try:
            ne = load_json(args.ne)
            nel = [shape(f["geometry"]) for f in ne["features"]
                   if {f["properties"]["adm0_a3_l"], f["properties"]["adm0_a3_r"]} == {"FRA", "BEL"}]
            nel = linemerge(unary_union(nel))
            print(f"cross-check vs Natural Earth 10m FR-BE line: Hausdorff {border.hausdorff_distance(nel):.4f} deg, "
                  f"NE ends {nel.coords[0]} / {nel.coords[-1]}")
        except Exception as e:  # cross-check is optional
            print("NE cross-check skipped:", e)
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()

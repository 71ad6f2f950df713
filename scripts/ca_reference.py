#!/usr/bin/env python3
"""Reference correspondence analysis for kumiai's tests (an independent implementation).

    pip install numpy
    python3 scripts/ca_reference.py            # Greenacre's smoke table (R: data(smoke))
    python3 scripts/ca_reference.py TABLE.csv  # rows × cols counts, header = column labels,
                                               # first column = row labels

Prints the total inertia, the principal inertias and their shares, and the principal row and
column coordinates and contributions of the first dimensions, from numpy's LAPACK SVD of the
standardized residual matrix (Greenacre, Correspondence Analysis in Practice, ch. A). Signs
follow kumiai's convention: each dimension is flipped so that the largest |component| of the
column singular vector is positive. The values pinned in src/themes/ca.rs and tests come from
this script.
"""
import csv
import sys

import numpy as np


def ca(n, dims=3):
    n = np.asarray(n, dtype=float)
    p = n / n.sum()
    r = p.sum(axis=1)
    c = p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    v = vt.T
    for k in range(v.shape[1]):
        if v[np.argmax(np.abs(v[:, k])), k] < 0:
            u[:, k] *= -1
            v[:, k] *= -1
    k = min(dims, min(n.shape) - 1)
    rows = (u[:, :k] * sigma[:k]) / np.sqrt(r)[:, None]
    cols = (v[:, :k] * sigma[:k]) / np.sqrt(c)[:, None]
    return {
        "total_inertia": float((s ** 2).sum()),
        "inertias": (sigma[:k] ** 2).tolist(),
        "rows": rows,
        "cols": cols,
        "row_contrib": u[:, :k] ** 2,
        "col_contrib": v[:, :k] ** 2,
    }


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8-sig") as f:
            data = list(csv.reader(f))
        table = [[float(x) for x in row[1:]] for row in data[1:]]
    else:
        table = [[4, 2, 3, 2], [4, 3, 7, 4], [25, 10, 12, 4], [18, 24, 33, 13], [10, 6, 7, 2]]
    res = ca(table)
    np.set_printoptions(precision=8, suppress=True)
    print("total_inertia", f"{res['total_inertia']:.8f}")
    print("inertias", [f"{x:.8f}" for x in res["inertias"]])
    print("shares", [f"{x / res['total_inertia']:.8f}" for x in res["inertias"]])
    print("rows\n", res["rows"])
    print("cols\n", res["cols"])
    print("row_contrib\n", res["row_contrib"])
    print("col_contrib\n", res["col_contrib"])


if __name__ == "__main__":
    main()

"""xoshiro256++ and the ziggurat on Python integers and floats: the independent reference of the
compiled kernels' random streams (tests/test_kernels.py, tests/test_kernels_units.py)."""

from __future__ import annotations

import math

MASK = (1 << 64) - 1
M52 = (1 << 52) - 1


class Stream:
    """xoshiro256++ (Blackman and Vigna 2019) on Python integers, with uniforms and ziggurat normals."""

    def __init__(self, words):
        self.s = [int(x) for x in words]
        self.paths: list[str] = []

    def word(self) -> int:
        s = self.s
        result = ((((s[0] + s[3]) & MASK) << 23 | ((s[0] + s[3]) & MASK) >> 41) + s[0]) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & MASK
        return result

    def uniform(self) -> float:
        return (self.word() >> 11) / 2.0**53  # the top 53 bits

    def normal(self, tables) -> float:
        """Marsaglia and Tsang's ziggurat: word bits 1-8 the layer, bit 9 the sign, bits 10-61 the abscissa."""
        zk, zw, zf, r = tables
        while True:
            word = self.word()
            layer, negative, abscissa = (word >> 1) & 255, (word >> 9) & 1, (word >> 10) & M52
            x = abscissa * float(zw[layer])
            if negative:
                x = -x
            if abscissa < int(zk[layer]):  # inside the layer's rectangle
                self.paths.append("rectangle")
                return x
            if layer == 0:  # beyond r: x = -ln(U1)/r, y = -ln(U2), accept if 2y > x^2
                first = True
                while True:
                    xx = -math.log1p(-self.uniform()) / r
                    yy = -math.log1p(-self.uniform())
                    if 2.0 * yy > xx * xx:
                        self.paths.append("tail" if first else "tail after a rejection")
                        return -(r + xx) if (abscissa >> 8) & 1 else r + xx
                    first = False
            u = self.uniform()
            if float(zf[layer]) + u * (float(zf[layer - 1]) - float(zf[layer])) < math.exp(-(x * x) / 2.0):
                self.paths.append("wedge")
                return x
            self.paths.append("rejected")

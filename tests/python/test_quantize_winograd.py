"""Does the shipped ncnn runtime's int8 Winograd path need ncnn2table's 6-bit weights?

ncnn2table gives 3x3 stride-1 convolutions 31/absmax weight scales because older int8
Winograd kernels overflowed. edgeface uses 127/absmax for every layer; this test is the
evidence: with full 8-bit weights and full-range int8 inputs, the Winograd F(4,3)/F(2,3)
results must equal the direct int8 convolution bit for bit (both are exact integer
arithmetic unless something overflows), and both must match an exact int64 reference.
"""
import struct

import numpy as np
import ncnn
import pytest

INT8_TAG = 0x000D4B38


def write_int8_conv(tmp_path, cin, cout, h, wq, w_scales, in_scale):
    param = tmp_path / "m.param"
    binf = tmp_path / "m.bin"
    param.write_text(
        "7767517\n2 2\n"
        f"Input in 0 1 data 0={h} 1={h} 2={cin}\n"
        f"Convolution conv 1 1 data out 0={cout} 1=3 11=3 4=1 14=1 15=1 16=1 5=0 6={wq.size} 8=2\n"
    )
    with open(binf, "wb") as f:
        f.write(struct.pack("<I", INT8_TAG))
        f.write(wq.astype(np.int8).tobytes())
        f.write(w_scales.astype(np.float32).tobytes())
        f.write(np.float32([in_scale]).tobytes())
    return str(param), str(binf)


def run(param, binf, x, winograd, w43=True):
    net = ncnn.Net()
    net.opt.use_int8_inference = True
    net.opt.use_winograd_convolution = winograd
    net.opt.use_winograd23_convolution = True
    net.opt.use_winograd43_convolution = w43
    net.opt.num_threads = 1
    assert net.load_param(param) == 0 and net.load_model(binf) == 0
    ex = net.create_extractor()
    xc = np.ascontiguousarray(x, dtype=np.float32)
    ex.input("data", ncnn.Mat(xc).clone())
    ret, out = ex.extract("out")
    assert ret == 0
    return np.array(out).copy()


def exact_int8_conv(xq, wq):
    cin, h, w = xq.shape
    xp = np.pad(xq.astype(np.int64), ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((wq.shape[0], h, w), np.int64)
    for i in range(3):
        for j in range(3):
            out += np.einsum("oc,chw->ohw", wq[:, :, i, j].astype(np.int64), xp[:, i:i + h, j:j + w])
    return out


@pytest.mark.parametrize("cin", [16, 128])
@pytest.mark.parametrize("pattern", ["random", "extreme"])
def test_int8_winograd_exact_with_8bit_weights(tmp_path, cin, pattern):
    rng = np.random.default_rng(cin)
    cout, h = 32, 20
    if pattern == "random":
        wq = rng.integers(-127, 128, size=(cout, cin, 3, 3))
        xq = rng.integers(-127, 128, size=(cin, h, h))
    else:
        # every weight and input at +-127: the largest transformed values Winograd can see
        wq = np.where(rng.random((cout, cin, 3, 3)) < 0.5, -127, 127)
        xq = np.where((np.indices((h, h)).sum(0) % 2) == 0, 127, -127)[None].repeat(cin, 0)
    # unit scales: the int8 values go through unchanged, the output is the raw int32 sum
    param, binf = write_int8_conv(tmp_path, cin, cout, h, wq, np.ones(cout), 1.0)
    exact = exact_int8_conv(xq, wq).astype(np.float64)
    direct = run(param, binf, xq, winograd=False)
    wino43 = run(param, binf, xq, winograd=True)
    wino23 = run(param, binf, xq, winograd=True, w43=False)
    np.testing.assert_array_equal(wino43, direct)
    np.testing.assert_array_equal(wino23, direct)
    # float32 output of an int32 sum: exact up to float32 rounding of large sums
    np.testing.assert_allclose(direct, exact, rtol=1e-6, atol=0.5)

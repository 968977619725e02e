;; Histogram counting kernel for calibration (see ../histogram.ts): for each of the n float32
;; values at `data`, slot = min(ceil(|x| * k), over) and the u32 counter at
;; counters + slot * 4 is incremented. Returns max |x|. k is a power of two, so |x| * k is
;; exact in float32 and the slots are the same as the JavaScript reference computes in float64.
;; The vector loop uses the pseudo-min/max (one x86 instruction each) and the signed
;; conversion (the slot is in [0, over], over < 2^31) instead of the IEEE-exact min/max and
;; the unsigned conversion, which V8 expands into long sequences: 2.5x less work per value
;; before the increments. The price is NaN handling: in the vector loop pmin(over, NaN) is
;; over, so a NaN (like an infinity) lands in slot over, but pmax may drop it from the
;; returned max; a caller that finds slot over non-zero must take the exact max itself.
(module
  (memory (export "memory") 1)
  (func (export "count") (param $data i32) (param $n i32) (param $k f32) (param $over f32) (param $counters i32) (result f32)
    (local $end i32) (local $end4 i32) (local $a v128) (local $mx v128)
    (local $kv v128) (local $ov v128) (local $off v128) (local $p i32) (local $q i32) (local $s f32) (local $m f32)
    (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $data) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $kv (f32x4.splat (local.get $k)))
    (local.set $ov (f32x4.splat (local.get $over)))
    (local.set $mx (f32x4.splat (f32.const 0)))
    (local.set $p (local.get $data))
    (block $done4
      (loop $quad
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $a (f32x4.abs (v128.load (local.get $p))))
        (local.set $mx (f32x4.pmax (local.get $mx) (local.get $a)))
        ;; byte offset of the counter: slot * 4
        (local.set $off
          (i32x4.add
            (i32x4.shl
              (i32x4.trunc_sat_f32x4_s (f32x4.pmin (local.get $ov) (f32x4.ceil (f32x4.mul (local.get $a) (local.get $kv)))))
              (i32.const 2))
            (i32x4.splat (local.get $counters))))
        (local.set $q (i32x4.extract_lane 0 (local.get $off)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $q (i32x4.extract_lane 1 (local.get $off)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $q (i32x4.extract_lane 2 (local.get $off)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $q (i32x4.extract_lane 3 (local.get $off)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $quad)))
    (local.set $m
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
        (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx)))))
    ;; the last n mod 4 values
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f32.abs (f32.load (local.get $p))))
        (local.set $m (f32.max (local.get $m) (local.get $s)))
        (local.set $q
          (i32.add
            (i32.shl (i32.trunc_sat_f32_u (f32.min (f32.ceil (f32.mul (local.get $s) (local.get $k))) (local.get $over))) (i32.const 2))
            (local.get $counters)))
        (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $one)))
    (local.get $m)))

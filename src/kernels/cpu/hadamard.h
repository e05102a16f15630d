// The orthonormal Walsh-Hadamard transform over blocks of columns, used by int8 layers to spread
// a row's outliers before its 8-bit quantisation (docs/quantized-checkpoints.md).
#pragma once

#include <cstdint>

namespace kompress::kernels::cpu {

// out[r, b*block : (b+1)*block] = H_block in[r, ...] / sqrt(block) for every full block b of every
// row; the columns after the last full block are copied as they are. `in` may be `out` (in
// place). `block` is a power of two. The transform is its own inverse, so
// x * W^T = hadamard(x) * hadamard(W)^T.
void hadamard_blocks(const float* in, float* out, int64_t rows, int64_t cols, int64_t block);

// 1/sqrt(block), the factor that makes the transform orthonormal (exact for even powers of two).
float hadamard_norm(int64_t block);

// hadamard_blocks of one row, on the calling thread.
void hadamard_row(const float* in, float* out, int64_t cols, int64_t block);

// True for a block size hadamard_blocks accepts: a power of two from 2 on.
bool is_hadamard_block(int64_t block);

}  // namespace kompress::kernels::cpu

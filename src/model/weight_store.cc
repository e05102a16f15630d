#include "model/weight_store.h"

#include <cstdint>

#include "kompress/error.h"

namespace kompress::model {

const float* WeightStore::f32_or_null(std::string_view name) {
  const weights::TensorView* t = file_.find(name);
  if (!t) return nullptr;
  const bool aligned = reinterpret_cast<std::uintptr_t>(t->data) % alignof(float) == 0;
  if (t->dtype == weights::DType::kF32 && aligned) return t->f32().data();
  if (t->dtype == weights::DType::kI8 || t->dtype == weights::DType::kI32 ||
      t->dtype == weights::DType::kI64) {
    throw Error(file_.path() + ": tensor '" + t->name + "': dtype " +
                std::string(weights::dtype_name(t->dtype)) +
                " is not a float type (quantized checkpoints need their own loader)");
  }
  converted_.push_back(weights::to_f32(*t));
  return converted_.back().data();
}

const float* WeightStore::f32(std::string_view name) {
  const float* p = f32_or_null(name);
  if (!p) throw Error(file_.path() + ": tensor '" + std::string(name) + "' is missing");
  return p;
}

const float* WeightStore::keep(std::vector<float> values) {
  converted_.push_back(std::move(values));
  return converted_.back().data();
}

void WeightStore::release(const float* values) {
  for (std::vector<float>& copy : converted_) {
    if (copy.data() == values) {
      std::vector<float>().swap(copy);
      return;
    }
  }
  for (const weights::TensorView& t : file_.tensors()) {
    if (static_cast<const void*>(t.data) == static_cast<const void*>(values)) {
      file_.release(t);
      return;
    }
  }
}

const weights::TensorView& WeightStore::checked(const std::string& name, weights::DType dtype,
                                                size_t alignment) const {
  const weights::TensorView* t = file_.find(name);
  if (!t) throw Error(file_.path() + ": tensor '" + name + "' is missing");
  if (t->dtype != dtype) {
    throw Error(file_.path() + ": tensor '" + name + "': dtype " +
                std::string(weights::dtype_name(t->dtype)) + ", expected " +
                std::string(weights::dtype_name(dtype)));
  }
  if (reinterpret_cast<std::uintptr_t>(t->data) % alignment != 0) {
    throw Error(file_.path() + ": tensor '" + name + "' is not aligned for its dtype");
  }
  return *t;
}

}  // namespace kompress::model

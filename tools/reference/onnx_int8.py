"""Dynamic int8 quantization of an fp32 ONNX graph, node for node what onnxruntime's
`quantize_dynamic(model, per_channel=True, weight_type=QuantType.QInt8)` builds (its default
operator types, IntegerOps mode, MatMul with constant B only), written on Debian's python3-onnx
because the onnxruntime Python package is not available here.

- MatMul whose B is a float initializer [K, N]: the activation goes through one
  DynamicQuantizeLinear per tensor (uint8, asymmetric, per tensor, shared by every consumer),
  B becomes int8 symmetric per output column (scale = max|column| / 127, zero point 0, values
  in [-127, 127]), then MatMulInteger -> Cast(float) -> Mul(activation scale x column scales).
  ONNX Runtime fuses that chain into DynamicQuantizeMatMul when it optimizes the graph.
- Gather whose data is a float initializer (the token embeddings): data int8 symmetric per
  tensor, Gather on int8, then DequantizeLinear back to float for the consumer.
- Conv whose weight is a float initializer (the span head): weight int8 symmetric per tensor,
  ConvInteger on the dynamically quantized input, Cast, Mul by the scales, bias added after a
  Reshape to [1, C, 1].
Every other node (attention products, norms, GELU, softmax) stays float.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QMAX = 127  # symmetric int8: [-127, 127]


def symmetric_int8(values, reduce_axis=None):
    """(int8 values, float32 scales), scale = max|x| / 127 reduced over `reduce_axis` (None: all).

    As onnxruntime's quantize_data: the range always includes 0, a zero range gets scale 1,
    values are divided by the scale in float32 and rounded half to even, then clipped.
    """
    values = np.asarray(values, dtype=np.float32)
    per_tensor = reduce_axis is None
    absmax = np.abs(values).max(axis=reduce_axis, keepdims=not per_tensor)
    scale = np.where(absmax > 0, absmax / np.float32(QMAX), np.float32(1.0)).astype(np.float32)
    q = np.clip(np.rint(values / scale), -QMAX, QMAX).astype(np.int8)
    return q, scale.reshape(()) if per_tensor else scale.reshape(-1)


class _Rewriter:
    def __init__(self, model):
        self.model = model
        self.graph = model.graph
        self.initializers = {t.name: t for t in self.graph.initializer}
        self.quantized_inputs = {}  # activation name -> (q, scale, zero point)
        self.quantized_weights = {}  # initializer name -> (q, scale, zero point)
        self.replaced = set()  # float initializers no longer needed
        self.nodes = []

    def float_initializer(self, name):
        t = self.initializers.get(name)
        return t if t is not None and t.data_type == TensorProto.FLOAT else None

    def add_initializer(self, array, name):
        self.graph.initializer.append(numpy_helper.from_array(array, name))

    def quantize_activation(self, name):
        """The outputs of the DynamicQuantizeLinear of `name`, made once per tensor."""
        if name not in self.quantized_inputs:
            outs = (name + "_quantized", name + "_scale", name + "_zero_point")
            self.nodes.append(helper.make_node("DynamicQuantizeLinear", [name], list(outs), name + "_QuantizeLinear"))
            self.quantized_inputs[name] = outs
        return self.quantized_inputs[name]

    def quantize_weight(self, name, reduce_axis=None):
        """(int8 name, scale name, zero point name) of initializer `name` (see symmetric_int8)."""
        if name in self.quantized_weights:
            return self.quantized_weights[name]
        q, scale = symmetric_int8(numpy_helper.to_array(self.initializers[name]), reduce_axis)
        names = (name + "_quantized", name + "_scale", name + "_zero_point")
        self.add_initializer(q, names[0])
        self.add_initializer(scale, names[1])
        self.add_initializer(np.zeros(scale.shape, dtype=np.int8), names[2])
        self.replaced.add(name)
        self.quantized_weights[name] = names
        return names

    def scaled_float(self, node, integer_op, inputs, weight, output, **attrs):
        """integer_op(inputs) -> Cast(float) -> Mul(activation scale x weight scale) into `output`."""
        x_scale = self.quantize_activation(node.input[0])[1]
        base = node.name + "_quant" if node.name else node.output[0]
        integer_out = node.output[0] + "_output_quantized"
        cast_out = integer_out + "_cast_output"
        scales = base + "_scales_mul:0"
        self.nodes += [
            helper.make_node(integer_op, inputs, [integer_out], base, **attrs),
            helper.make_node("Cast", [integer_out], [cast_out], integer_out + "_cast", to=TensorProto.FLOAT),
            helper.make_node("Mul", [x_scale, weight[1]], [scales], base + "_scales_mul"),
            helper.make_node("Mul", [cast_out, scales], [output], base + "_output_scale_mul"),
        ]

    def matmul(self, node):
        x = self.quantize_activation(node.input[0])
        w = self.quantize_weight(node.input[1], reduce_axis=0)  # B is [K, N]: one scale per column
        self.scaled_float(node, "MatMulInteger", [x[0], w[0], x[2], w[2]], w, node.output[0])

    def gather(self, node):
        w = self.quantize_weight(node.input[0])
        gathered = node.output[0] + "_quantized"
        self.nodes += [
            helper.make_node("Gather", [w[0], node.input[1]], [gathered], node.name, axis=_axis(node)),
            helper.make_node(
                "DequantizeLinear", [gathered, w[1], w[2]], [node.output[0]], node.output[0] + "_DequantizeLinear"
            ),
        ]

    def conv(self, node):
        x = self.quantize_activation(node.input[0])
        w = self.quantize_weight(node.input[1])
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        has_bias = len(node.input) == 3 and node.input[2]
        scaled = node.output[0] + "quant_scaled_output" if has_bias else node.output[0]
        self.scaled_float(node, "ConvInteger", [x[0], w[0], x[2], w[2]], w, scaled, **attrs)
        if has_bias:
            rank = len(self.initializers[node.input[1]].dims)
            shape_name = node.output[0] + "_bias_reshape_shape"
            self.add_initializer(np.array([1, -1] + [1] * (rank - 2), dtype=np.int64), shape_name)
            reshaped = node.output[0] + "_bias_reshape_output"
            self.nodes += [
                helper.make_node("Reshape", [node.input[2], shape_name], [reshaped], node.output[0] + "_bias_reshape"),
                helper.make_node("Add", [scaled, reshaped], [node.output[0]], node.output[0] + "_bias_add"),
            ]

    def rewrite(self):
        for node in self.graph.node:
            if node.op_type == "MatMul" and self.float_initializer(node.input[1]) is not None:
                self.matmul(node)
            elif node.op_type == "Gather" and self.float_initializer(node.input[0]) is not None:
                self.gather(node)
            elif node.op_type == "Conv" and self.float_initializer(node.input[1]) is not None:
                self.conv(node)
            else:
                self.nodes.append(node)
        still_used = {name for n in self.nodes for name in n.input}
        for name in self.replaced - still_used:
            self.graph.initializer.remove(self.initializers[name])
        del self.graph.node[:]
        self.graph.node.extend(self.nodes)
        return self.model


def _axis(node):
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 0)


def quantize_dynamic_int8(model):
    """The int8 model (a new ModelProto); `model` is left as it was."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    out = _Rewriter(out).rewrite()
    out.producer_name = "kompress tools/reference/onnx_int8.py (quantize_dynamic per_channel QInt8 layout)"
    onnx.checker.check_model(out)
    return out

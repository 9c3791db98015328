/* _kjit: the CPython extension under the `kjit` package, a plain C client of
 * kjit's stable C API (jit/capi/kjit.h).
 *
 * Why this shape: the package must import on Python 3.11 (Debian) and 3.12
 * (Ubuntu, the GPU machine) from one build, and a call's host overhead must
 * stay within a few microseconds. A ctypes layer costs several microseconds
 * per foreign call plus the Python code that fills its structs; pybind11
 * cannot build for the stable ABI. So this is C against the limited API
 * (Py_LIMITED_API = 3.11: one `_kjit.abi3.so` for every CPython >= 3.11),
 * linked to libkjit.so next to it.
 *
 * Hot path (Kernel.__call__): arguments are matched to the definition's
 * slots with tables the package set up once (Kernel._setup); a PyTorch
 * tensor is read through six cheap attribute calls (data_ptr, shape, dtype,
 * is_cuda, get_device, is_contiguous; no DLPack capsule), its stream with
 * torch._C._cuda_getCurrentRawStream(device) once per call; other arrays go
 * through DLPack (__dlpack__ / __dlpack_device__); kjit.TensorRef carries
 * raw pointers. Descriptors live on the C stack; outputs that are not given
 * are allocated by the package's allocator (like the inputs' library).
 *
 * Thread safety: calls hold the GIL except kjit_launch itself, which is
 * thread-safe; the registered tables are set at import.
 */
#define Py_LIMITED_API 0x030B0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jit/capi/kjit.h"

#define KJ_MAX_TENSORS 32
#define KJ_MAX_SCALARS 16
#define KJ_MAX_INPUTS (KJ_MAX_TENSORS + KJ_MAX_SCALARS)
#define KJ_MAX_RANK 8
#define KJ_MAX_DTYPES 16

/* Py_XSETREF is not part of the limited API. */
#define KJ_XSETREF(dst, src)   \
  do {                         \
    PyObject* kj_old_ = (PyObject*)(dst); \
    (dst) = (src);             \
    Py_XDECREF(kj_old_);       \
  } while (0)

/* ---- module state (set once at import) */
static PyObject* g_errors = NULL;        /* dict: return code -> exception class */
static PyObject* g_torch_tensor = NULL;  /* torch.Tensor type, or NULL */
static PyObject* g_torch_stream = NULL;  /* torch._C._cuda_getCurrentRawStream */
static PyObject* g_torch_dtypes[KJ_MAX_DTYPES];
static kjit_dtype g_torch_codes[KJ_MAX_DTYPES];
static int g_n_torch_dtypes = 0;
static PyObject* g_tensor_ref = NULL;    /* kjit.TensorRef type */
static PyObject* g_register_hook = NULL; /* called once for an unknown torch-like type */
static PyObject *s_data_ptr, *s_shape, *s_dtype, *s_is_cuda, *s_get_device, *s_is_contiguous, *s_stride, *s_dlpack,
    *s_dlpack_device, *s_stream, *s_out, *s_allocate, *s_strides, *s_dtype_code, *s_dtype_bits, *s_device_type,
    *s_device_id, *s_module;

/* DLPack's DLManagedTensor (0.6 .. 1.x unversioned capsule "dltensor"). */
typedef struct DLManaged {
  kjit_tensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(struct DLManaged*);
} DLManaged;

static void raise_kjit(int rc, const char* where) {
  PyObject* cls = NULL;
  if (g_errors != NULL) {
    PyObject* key = PyLong_FromLong(rc);
    if (key != NULL) {
      cls = PyDict_GetItem(g_errors, key); /* borrowed */
      Py_DECREF(key);
    }
  }
  const char* msg = kjit_last_error();
  if (msg == NULL || *msg == '\0') msg = where;
  PyErr_SetString(cls != NULL ? cls : PyExc_RuntimeError, msg);
}

/* ---- Handle */
typedef struct {
  PyObject_HEAD
  kjit_handle* h;
} HandleObject;

static PyObject* Handle_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static char* kw[] = {"cache_dir", "definitions_dir", NULL};
  const char *cache = NULL, *defs = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|zz", kw, &cache, &defs)) return NULL;
  allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
  HandleObject* self = (HandleObject*)alloc(type, 0);
  if (self == NULL) return NULL;
  int rc;
  Py_BEGIN_ALLOW_THREADS rc = kjit_open(cache, defs, &self->h);
  Py_END_ALLOW_THREADS if (rc != KJIT_OK) {
    raise_kjit(rc, "kjit_open failed");
    Py_DECREF(self);
    return NULL;
  }
  return (PyObject*)self;
}

static void Handle_dealloc(PyObject* o) {
  HandleObject* self = (HandleObject*)o;
  kjit_close(self->h);
  PyTypeObject* tp = Py_TYPE(o);
  freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
  f(o);
  Py_DECREF(tp);
}

static PyObject* json_result(int rc, char* text, const char* where) {
  if (rc != KJIT_OK) {
    raise_kjit(rc, where);
    return NULL;
  }
  PyObject* s = PyUnicode_FromString(text);
  kjit_free(text);
  return s;
}

static PyObject* Handle_list_json(PyObject* o, PyObject* unused) {
  (void)unused;
  char* text = NULL;
  int rc = kjit_list_json(((HandleObject*)o)->h, &text);
  return json_result(rc, text, "kjit_list_json failed");
}

static PyObject* Handle_definition_json(PyObject* o, PyObject* args) {
  const char* name;
  if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
  char* text = NULL;
  int rc = kjit_definition_json(((HandleObject*)o)->h, name, &text);
  return json_result(rc, text, "kjit_definition_json failed");
}

static PyMethodDef Handle_methods[] = {
    {"list_json", Handle_list_json, METH_NOARGS, "kjit_list_json"},
    {"definition_json", Handle_definition_json, METH_VARARGS, "kjit_definition_json"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Handle_slots[] = {
    {Py_tp_new, Handle_new},
    {Py_tp_dealloc, Handle_dealloc},
    {Py_tp_methods, Handle_methods},
    {Py_tp_doc, "Handle(cache_dir=None, definitions_dir=None): an open kjit (kjit_open)."},
    {0, NULL},
};
static PyType_Spec Handle_spec = {"kjit._kjit.Handle", sizeof(HandleObject), 0, Py_TPFLAGS_DEFAULT, Handle_slots};
static PyObject* g_handle_type = NULL;

/* ---- Kernel */
typedef struct {
  PyObject_HEAD
  kjit_kernel* k;
  PyObject* handle;     /* keeps the handle object alive */
  int ready;            /* _setup done */
  int n_inputs;         /* definition inputs (tensors and scalars) */
  int n_tensors;        /* tensor slots: tensor inputs then outputs */
  int n_tensor_inputs;
  int n_scalars;
  int8_t input_is_scalar[KJ_MAX_INPUTS];
  int8_t input_slot[KJ_MAX_INPUTS];
  PyObject* names;      /* dict: name -> int (slot; scalars are 1000 + slot) */
  PyObject* slot_names; /* tuple of tensor slot names, then scalar names */
  char name[128];       /* the definition's name, for messages */
} KernelObject;

static PyObject* Kernel_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static char* kw[] = {"handle", "name", "arch", NULL};
  PyObject* handle;
  const char* name;
  const char* arch = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "Os|z", kw, &handle, &name, &arch)) return NULL;
  if (!PyObject_TypeCheck(handle, (PyTypeObject*)g_handle_type)) {
    PyErr_SetString(PyExc_TypeError, "Kernel(handle, name, arch): `handle` must be a kjit._kjit.Handle");
    return NULL;
  }
  allocfunc alloc = (allocfunc)PyType_GetSlot(type, Py_tp_alloc);
  KernelObject* self = (KernelObject*)alloc(type, 0);
  if (self == NULL) return NULL;
  int rc;
  kjit_handle* h = ((HandleObject*)handle)->h;
  Py_BEGIN_ALLOW_THREADS rc = kjit_get_kernel(h, name, arch, &self->k);
  Py_END_ALLOW_THREADS if (rc != KJIT_OK) {
    raise_kjit(rc, "kjit_get_kernel failed");
    Py_DECREF(self);
    return NULL;
  }
  Py_INCREF(handle);
  self->handle = handle;
  snprintf(self->name, sizeof self->name, "%s", name);
  return (PyObject*)self;
}

static void Kernel_dealloc(PyObject* o) {
  KernelObject* self = (KernelObject*)o;
  PyObject_GC_UnTrack(o);
  if (self->k != NULL) kjit_kernel_free(self->k);
  Py_XDECREF(self->handle);
  Py_XDECREF(self->names);
  Py_XDECREF(self->slot_names);
  PyTypeObject* tp = Py_TYPE(o);
  freefunc f = (freefunc)PyType_GetSlot(tp, Py_tp_free);
  f(o);
  Py_DECREF(tp);
}

static int Kernel_traverse(PyObject* o, visitproc visit, void* arg) {
  KernelObject* self = (KernelObject*)o;
  Py_VISIT(self->handle);
  Py_VISIT(self->names);
  Py_VISIT(self->slot_names);
  Py_VISIT(Py_TYPE(o));
  return 0;
}

/* _setup(input_kinds, names, slot_names, n_tensor_inputs, n_outputs):
 * input_kinds: tuple of (is_scalar, slot) per definition input. */
static PyObject* Kernel_setup(PyObject* o, PyObject* args) {
  KernelObject* self = (KernelObject*)o;
  PyObject *kinds, *names, *slot_names;
  int n_tensor_inputs, n_outputs;
  if (!PyArg_ParseTuple(args, "O!O!O!ii", &PyTuple_Type, &kinds, &PyDict_Type, &names, &PyTuple_Type, &slot_names,
                        &n_tensor_inputs, &n_outputs))
    return NULL;
  Py_ssize_t n = PyTuple_Size(kinds);
  if (n > KJ_MAX_INPUTS || n_tensor_inputs + n_outputs > KJ_MAX_TENSORS) {
    PyErr_SetString(PyExc_ValueError, "kernel has too many arguments for the Python binding");
    return NULL;
  }
  int n_scalars = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    int is_scalar, slot;
    if (!PyArg_ParseTuple(PyTuple_GetItem(kinds, i), "ii", &is_scalar, &slot)) return NULL;
    self->input_is_scalar[i] = (int8_t)is_scalar;
    self->input_slot[i] = (int8_t)slot;
    n_scalars += is_scalar;
  }
  if (n_scalars > KJ_MAX_SCALARS) {
    PyErr_SetString(PyExc_ValueError, "kernel has too many scalars for the Python binding");
    return NULL;
  }
  self->n_inputs = (int)n;
  self->n_tensor_inputs = n_tensor_inputs;
  self->n_tensors = n_tensor_inputs + n_outputs;
  self->n_scalars = n_scalars;
  Py_INCREF(names);
  KJ_XSETREF(self->names, names);
  Py_INCREF(slot_names);
  KJ_XSETREF(self->slot_names, slot_names);
  self->ready = 1;
  Py_RETURN_NONE;
}

/* Per-call state: descriptors and what must be released afterwards. */
typedef struct {
  kjit_tensor tensors[KJ_MAX_TENSORS];
  kjit_scalar scalars[KJ_MAX_SCALARS];
  PyObject* objs[KJ_MAX_TENSORS];   /* borrowed: the tensor objects per slot */
  PyObject* sobjs[KJ_MAX_SCALARS];  /* borrowed: scalar objects */
  int64_t shapes[KJ_MAX_TENSORS][KJ_MAX_RANK];
  int64_t strides[KJ_MAX_TENSORS][KJ_MAX_RANK];
  PyObject* capsules[KJ_MAX_TENSORS]; /* owned DLPack capsules */
  PyObject* allocated;                /* owned tuple of allocated outputs, or NULL */
  int torch_device;                   /* device of the first torch tensor, -1 when none */
  int any_torch;
  void* stream;
  int stream_given;
  int out_given;
} Call;

static const char* slot_name(KernelObject* self, int slot) {
  PyObject* s = PyTuple_GetItem(self->slot_names, slot);
  return s ? PyUnicode_AsUTF8AndSize(s, NULL) : "?";
}

static int torch_dtype(PyObject* dtype, kjit_dtype* out) {
  for (int i = 0; i < g_n_torch_dtypes; ++i)
    if (g_torch_dtypes[i] == dtype) {
      *out = g_torch_codes[i];
      return 1;
    }
  return 0;
}

static int read_int_tuple(PyObject* t, int64_t* out, int max, const char* what, const char* name) {
  Py_ssize_t n = PySequence_Size(t);
  if (n < 0) return -1;
  if (n > max) {
    PyErr_Format(PyExc_ValueError, "tensor '%s' has %zd dimensions in %s; kjit launches rank <= %d", name, n, what, max);
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* v = PySequence_GetItem(t, i);
    if (v == NULL) return -1;
    out[i] = PyLong_AsLongLong(v);
    Py_DECREF(v);
    if (out[i] == -1 && PyErr_Occurred()) return -1;
  }
  return (int)n;
}

/* A torch.Tensor, read by attributes. Returns 0 or -1 (exception set). */
static int fill_torch(Call* c, int slot, PyObject* t, const char* name) {
  kjit_tensor* d = &c->tensors[slot];
  PyObject* is_cuda = PyObject_GetAttr(t, s_is_cuda);
  if (is_cuda == NULL) return -1;
  int cuda = PyObject_IsTrue(is_cuda);
  Py_DECREF(is_cuda);
  if (cuda) {
    PyObject* dev = PyObject_CallMethodObjArgs(t, s_get_device, NULL);
    if (dev == NULL) return -1;
    d->device.device_type = KJIT_DL_CUDA;
    d->device.device_id = (int32_t)PyLong_AsLong(dev);
    Py_DECREF(dev);
    if (c->torch_device < 0) c->torch_device = d->device.device_id;
  } else {
    d->device.device_type = KJIT_DL_CPU; /* CPU (or meta, mps, ...): kjit refuses it by device type */
    d->device.device_id = 0;
  }
  PyObject* ptr = PyObject_CallMethodObjArgs(t, s_data_ptr, NULL);
  if (ptr == NULL) return -1;
  d->data = PyLong_AsVoidPtr(ptr);
  Py_DECREF(ptr);
  if (PyErr_Occurred()) return -1;
  PyObject* shape = PyObject_GetAttr(t, s_shape);
  if (shape == NULL) return -1;
  int nd = read_int_tuple(shape, c->shapes[slot], KJ_MAX_RANK, "its shape", name);
  Py_DECREF(shape);
  if (nd < 0) return -1;
  d->ndim = nd;
  d->shape = c->shapes[slot];
  PyObject* dtype = PyObject_GetAttr(t, s_dtype);
  if (dtype == NULL) return -1;
  int known = torch_dtype(dtype, &d->dtype);
  if (!known) {
    PyErr_Format(PyExc_ValueError, "tensor '%s' has dtype %S, which kjit does not support", name, dtype);
    Py_DECREF(dtype);
    return -1;
  }
  Py_DECREF(dtype);
  PyObject* contiguous = PyObject_CallMethodObjArgs(t, s_is_contiguous, NULL);
  if (contiguous == NULL) return -1;
  int is_contig = PyObject_IsTrue(contiguous);
  Py_DECREF(contiguous);
  d->strides = NULL;
  if (!is_contig) { /* the strides, so kjit's error says exactly what is wrong */
    PyObject* st = PyObject_CallMethodObjArgs(t, s_stride, NULL);
    if (st == NULL) return -1;
    int n = read_int_tuple(st, c->strides[slot], KJ_MAX_RANK, "its strides", name);
    Py_DECREF(st);
    if (n < 0) return -1;
    d->strides = c->strides[slot];
  }
  d->byte_offset = 0;
  c->any_torch = 1;
  return 0;
}

/* A kjit.TensorRef (raw pointer, shape, dtype, device). */
static int fill_ref(Call* c, int slot, PyObject* t, const char* name) {
  kjit_tensor* d = &c->tensors[slot];
  PyObject* v;
#define KJ_INT_ATTR(attr, dst, type)                        \
  v = PyObject_GetAttr(t, attr);                            \
  if (v == NULL) return -1;                                 \
  dst = (type)PyLong_AsLongLong(v);                         \
  Py_DECREF(v);                                             \
  if (PyErr_Occurred()) return -1;
  KJ_INT_ATTR(s_data_ptr, d->data, void*)
  KJ_INT_ATTR(s_dtype_code, d->dtype.code, uint8_t)
  KJ_INT_ATTR(s_dtype_bits, d->dtype.bits, uint8_t)
  KJ_INT_ATTR(s_device_type, d->device.device_type, int32_t)
  KJ_INT_ATTR(s_device_id, d->device.device_id, int32_t)
#undef KJ_INT_ATTR
  d->dtype.lanes = 1;
  v = PyObject_GetAttr(t, s_shape);
  if (v == NULL) return -1;
  int nd = read_int_tuple(v, c->shapes[slot], KJ_MAX_RANK, "its shape", name);
  Py_DECREF(v);
  if (nd < 0) return -1;
  d->ndim = nd;
  d->shape = c->shapes[slot];
  d->strides = NULL;
  v = PyObject_GetAttr(t, s_strides);
  if (v == NULL) return -1;
  if (v != Py_None) {
    int n = read_int_tuple(v, c->strides[slot], KJ_MAX_RANK, "its strides", name);
    if (n < 0) {
      Py_DECREF(v);
      return -1;
    }
    d->strides = c->strides[slot];
  }
  Py_DECREF(v);
  d->byte_offset = 0;
  return 0;
}

/* Any DLPack producer (CuPy, JAX, NumPy, ...). */
static int fill_dlpack(Call* c, int slot, PyObject* t, const char* name) {
  PyObject* cap = NULL;
  if (c->stream_given || c->any_torch) {
    /* DLPack: the consumer names the stream it will use (1 = legacy default). */
    PyObject* kw = PyDict_New();
    if (kw == NULL) return -1;
    PyObject* sv = PyLong_FromVoidPtr(c->stream != NULL ? c->stream : (void*)1);
    PyDict_SetItem(kw, s_stream, sv);
    Py_DECREF(sv);
    PyObject* fn = PyObject_GetAttr(t, s_dlpack);
    if (fn != NULL) {
      PyObject* empty = PyTuple_New(0);
      cap = PyObject_Call(fn, empty, kw);
      Py_DECREF(empty);
      Py_DECREF(fn);
    }
    Py_DECREF(kw);
  } else {
    cap = PyObject_CallMethodObjArgs(t, s_dlpack, NULL);
  }
  if (cap == NULL) return -1;
  DLManaged* m = (DLManaged*)PyCapsule_GetPointer(cap, "dltensor");
  if (m == NULL) {
    Py_DECREF(cap);
    PyErr_Format(PyExc_TypeError, "tensor '%s': __dlpack__ did not return a 'dltensor' capsule", name);
    return -1;
  }
  c->capsules[slot] = cap; /* released (and the producer's deleter run) after the launch */
  c->tensors[slot] = m->dl_tensor;
  return 0;
}

static int fill_tensor(Call* c, int slot, PyObject* t, const char* name) {
  if (g_torch_tensor != NULL && PyObject_TypeCheck(t, (PyTypeObject*)g_torch_tensor)) return fill_torch(c, slot, t, name);
  if (g_tensor_ref != NULL && PyObject_TypeCheck(t, (PyTypeObject*)g_tensor_ref)) return fill_ref(c, slot, t, name);
  if (g_torch_tensor == NULL && g_register_hook != NULL) {
    /* Maybe torch was imported after kjit: let the package register it, then retry. */
    PyObject* mod = PyObject_GetAttr((PyObject*)Py_TYPE(t), s_module);
    if (mod == NULL) PyErr_Clear();
    int torchy = mod != NULL && PyUnicode_Check(mod) && PyUnicode_CompareWithASCIIString(mod, "torch") == 0;
    Py_XDECREF(mod);
    if (torchy) {
      PyObject* r = PyObject_CallNoArgs(g_register_hook);
      if (r == NULL) return -1;
      Py_DECREF(r);
      if (g_torch_tensor != NULL && PyObject_TypeCheck(t, (PyTypeObject*)g_torch_tensor)) return fill_torch(c, slot, t, name);
    }
  }
  int has = PyObject_HasAttr(t, s_dlpack);
  if (!has) {
    PyErr_Format(PyExc_TypeError, "tensor '%s' must be a tensor (torch.Tensor, a DLPack producer such as a CuPy or JAX array, or kjit.TensorRef), got %S",
                 name, (PyObject*)Py_TYPE(t));
    return -1;
  }
  return fill_dlpack(c, slot, t, name);
}

static int fill_scalar(Call* c, int slot, PyObject* v, const char* name) {
  kjit_scalar* s = &c->scalars[slot];
  memset(s, 0, sizeof *s);
  if (PyLong_Check(v)) {
    s->int_value = PyLong_AsLongLong(v);
    if (s->int_value == -1 && PyErr_Occurred()) return -1;
    s->is_integer = 1;
    s->value = (double)s->int_value;
    return 0;
  }
  s->value = PyFloat_AsDouble(v);
  if (s->value == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "scalar '%s' must be a Python number, got %S", name, (PyObject*)Py_TYPE(v));
    return -1;
  }
  return 0;
}

static void release(Call* c, int n) {
  for (int i = 0; i < n; ++i) Py_XDECREF(c->capsules[i]);
  Py_XDECREF(c->allocated);
}

/* Matches (args, kwargs) to slots: c->objs / c->sobjs. Returns 0 or -1. */
static int bind_args(KernelObject* self, PyObject* args, PyObject* kwargs, Call* c, PyObject** out_obj, PyObject** stream_obj) {
  Py_ssize_t npos = PyTuple_Size(args);
  if (npos > self->n_inputs) {
    PyErr_Format(PyExc_TypeError, "%s takes %d inputs, got %zd positional arguments (outputs go in out= or by name)",
                 self->name, self->n_inputs, npos);
    return -1;
  }
  for (Py_ssize_t i = 0; i < npos; ++i) {
    PyObject* v = PyTuple_GetItem(args, i);
    if (self->input_is_scalar[i]) c->sobjs[self->input_slot[i]] = v;
    else c->objs[self->input_slot[i]] = v;
  }
  if (kwargs != NULL) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(kwargs, &pos, &key, &value)) {
      if (PyUnicode_CompareWithASCIIString(key, "out") == 0) {
        *out_obj = value;
        continue;
      }
      if (PyUnicode_CompareWithASCIIString(key, "stream") == 0) {
        *stream_obj = value;
        continue;
      }
      PyObject* slot_obj = PyDict_GetItem(self->names, key);
      if (slot_obj == NULL) {
        PyErr_Format(PyExc_TypeError, "unexpected keyword argument '%U' (the definition's inputs and outputs: %S)", key,
                     self->slot_names);
        return -1;
      }
      long slot = PyLong_AsLong(slot_obj);
      PyObject** dst = slot >= 1000 ? &c->sobjs[slot - 1000] : &c->objs[slot];
      if (*dst != NULL) {
        PyErr_Format(PyExc_TypeError, "got multiple values for argument '%U'", key);
        return -1;
      }
      *dst = value;
    }
  }
  return 0;
}

/* Fills every slot (allocating missing outputs with `allocate` when given)
 * and the stream. Returns 0 or -1. */
static int prepare(KernelObject* self, PyObject* args, PyObject* kwargs, Call* c, int allocate_outputs) {
  memset(c->objs, 0, sizeof c->objs);
  memset(c->sobjs, 0, sizeof c->sobjs);
  memset(c->capsules, 0, sizeof c->capsules); /* release() reads these whatever happens below */
  c->allocated = NULL;
  if (!self->ready) {
    PyErr_SetString(PyExc_RuntimeError, "kjit kernel not set up (create it with kjit.kernel(name))");
    return -1;
  }
  c->torch_device = -1;
  c->any_torch = 0;
  c->stream = NULL;
  c->stream_given = 0;
  c->out_given = 0;
  PyObject *out = NULL, *stream = NULL;
  if (bind_args(self, args, kwargs, c, &out, &stream) < 0) return -1;
  if (out != NULL && out != Py_None) {
    int n_out = self->n_tensors - self->n_tensor_inputs;
    if (PyTuple_Check(out) || PyList_Check(out)) {
      if (PySequence_Size(out) != n_out) {
        PyErr_Format(PyExc_TypeError, "out= needs %d tensors, got %zd", n_out, PySequence_Size(out));
        return -1;
      }
      for (int i = 0; i < n_out; ++i) {
        PyObject* v = PySequence_GetItem(out, i); /* new ref; `out` keeps it alive */
        Py_DECREF(v);
        if (c->objs[self->n_tensor_inputs + i] != NULL) {
          PyErr_Format(PyExc_TypeError, "output '%s' given twice", slot_name(self, self->n_tensor_inputs + i));
          return -1;
        }
        c->objs[self->n_tensor_inputs + i] = v;
      }
    } else if (n_out == 1) {
      c->objs[self->n_tensor_inputs] = out;
    } else {
      PyErr_Format(PyExc_TypeError, "out= needs a tuple of %d tensors", n_out);
      return -1;
    }
    c->out_given = 1;
  }
  for (int i = 0; i < self->n_tensor_inputs; ++i)
    if (c->objs[i] == NULL) {
      PyErr_Format(PyExc_TypeError, "missing input '%s'", slot_name(self, i));
      return -1;
    }
  for (int i = 0; i < self->n_scalars; ++i)
    if (c->sobjs[i] == NULL) {
      PyErr_Format(PyExc_TypeError, "missing scalar input '%s'", slot_name(self, self->n_tensors + i));
      return -1;
    }
  int missing = 0;
  for (int i = self->n_tensor_inputs; i < self->n_tensors; ++i) missing += c->objs[i] == NULL;
  if (missing > 0) {
    if (!allocate_outputs) {
      PyErr_SetString(PyExc_TypeError, "outputs missing");
      return -1;
    }
    PyObject* inputs = PyTuple_New(self->n_tensor_inputs);
    if (inputs == NULL) return -1;
    for (int i = 0; i < self->n_tensor_inputs; ++i) {
      Py_INCREF(c->objs[i]);
      PyTuple_SetItem(inputs, i, c->objs[i]);
    }
    PyObject* given = PyTuple_New(self->n_tensors - self->n_tensor_inputs);
    for (int i = self->n_tensor_inputs; i < self->n_tensors; ++i) {
      PyObject* v = c->objs[i] ? c->objs[i] : Py_None;
      Py_INCREF(v);
      PyTuple_SetItem(given, i - self->n_tensor_inputs, v);
    }
    c->allocated = PyObject_CallMethodObjArgs((PyObject*)self, s_allocate, inputs, given, NULL);
    Py_DECREF(inputs);
    Py_DECREF(given);
    if (c->allocated == NULL) return -1;
    if (!PyTuple_Check(c->allocated) || PyTuple_Size(c->allocated) != self->n_tensors - self->n_tensor_inputs) {
      PyErr_SetString(PyExc_RuntimeError, "kjit: the output allocator returned the wrong number of tensors");
      return -1;
    }
    for (int i = self->n_tensor_inputs; i < self->n_tensors; ++i) c->objs[i] = PyTuple_GetItem(c->allocated, i - self->n_tensor_inputs);
  }
  if (stream != NULL && stream != Py_None) {
    PyObject* handle = NULL;
    if (PyLong_Check(stream)) {
      Py_INCREF(stream);
      handle = stream;
    } else { /* torch.cuda.Stream (.cuda_stream) or cupy Stream (.ptr) */
      handle = PyObject_GetAttrString(stream, "cuda_stream");
      if (handle == NULL) {
        PyErr_Clear();
        handle = PyObject_GetAttrString(stream, "ptr");
      }
      if (handle == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "stream= must be an int (a CUstream), a torch.cuda.Stream or a cupy Stream, got %S",
                     (PyObject*)Py_TYPE(stream));
        return -1;
      }
    }
    c->stream = PyLong_AsVoidPtr(handle);
    Py_DECREF(handle);
    if (PyErr_Occurred()) return -1;
    c->stream_given = 1;
  }
  for (int i = 0; i < self->n_tensors; ++i)
    if (fill_tensor(c, i, c->objs[i], slot_name(self, i)) < 0) return -1;
  for (int i = 0; i < self->n_scalars; ++i)
    if (fill_scalar(c, i, c->sobjs[i], slot_name(self, self->n_tensors + i)) < 0) return -1;
  if (!c->stream_given && c->any_torch && c->torch_device >= 0 && g_torch_stream != NULL) {
    PyObject* dev = PyLong_FromLong(c->torch_device);
    PyObject* s = PyObject_CallFunctionObjArgs(g_torch_stream, dev, NULL);
    Py_DECREF(dev);
    if (s == NULL) return -1;
    c->stream = PyLong_AsVoidPtr(s);
    Py_DECREF(s);
    if (PyErr_Occurred()) return -1;
  }
  return 0;
}

static PyObject* outputs_result(KernelObject* self, Call* c) {
  int n_out = self->n_tensors - self->n_tensor_inputs;
  if (n_out == 1) {
    PyObject* o = c->objs[self->n_tensor_inputs];
    Py_INCREF(o);
    return o;
  }
  PyObject* t = PyTuple_New(n_out);
  if (t == NULL) return NULL;
  for (int i = 0; i < n_out; ++i) {
    PyObject* o = c->objs[self->n_tensor_inputs + i];
    Py_INCREF(o);
    PyTuple_SetItem(t, i, o);
  }
  return t;
}

static PyObject* Kernel_call(PyObject* o, PyObject* args, PyObject* kwargs) {
  KernelObject* self = (KernelObject*)o;
  Call c;
  if (prepare(self, args, kwargs, &c, 1) < 0) {
    release(&c, KJ_MAX_TENSORS);
    return NULL;
  }
  kjit_launch_options opts;
  memset(&opts, 0, sizeof opts);
  opts.size = sizeof opts;
  opts.flags = KJIT_LAUNCH_DEVICE_FROM_TENSORS;
  /* The GIL stays held: a launch takes microseconds, and releasing and
   * re-taking it would cost about as much. */
  int rc = kjit_launch_ex(self->k, NULL, c.tensors, (size_t)self->n_tensors, NULL, c.scalars, (size_t)self->n_scalars, c.stream,
                          &opts);
  PyObject* result = NULL;
  if (rc != KJIT_OK) raise_kjit(rc, "kjit_launch failed");
  else result = outputs_result(self, &c);
  release(&c, self->n_tensors);
  return result;
}

/* _resolve_json(args, kwargs, num_sms) -> str */
static PyObject* Kernel_resolve_json(PyObject* o, PyObject* a) {
  KernelObject* self = (KernelObject*)o;
  PyObject *args, *kwargs;
  long long num_sms;
  if (!PyArg_ParseTuple(a, "O!O!L", &PyTuple_Type, &args, &PyDict_Type, &kwargs, &num_sms)) return NULL;
  Call c;
  if (prepare(self, args, kwargs, &c, 1) < 0) {
    release(&c, KJ_MAX_TENSORS);
    return NULL;
  }
  kjit_launch_options opts;
  memset(&opts, 0, sizeof opts);
  opts.size = sizeof opts;
  opts.flags = KJIT_LAUNCH_DEVICE_FROM_TENSORS;
  opts.num_sms = num_sms;
  char* text = NULL;
  int rc = kjit_resolve(self->k, NULL, c.tensors, (size_t)self->n_tensors, NULL, c.scalars, (size_t)self->n_scalars, &opts, &text);
  release(&c, self->n_tensors);
  return json_result(rc, text, "kjit_resolve failed");
}

static PyObject* Kernel_info_json(PyObject* o, PyObject* unused) {
  (void)unused;
  return PyUnicode_FromString(kjit_kernel_info_json(((KernelObject*)o)->k));
}
static PyObject* Kernel_signature_json(PyObject* o, PyObject* unused) {
  (void)unused;
  return PyUnicode_FromString(kjit_kernel_signature_json(((KernelObject*)o)->k));
}
static PyObject* Kernel_plan_json(PyObject* o, PyObject* unused) {
  (void)unused;
  return PyUnicode_FromString(kjit_kernel_plan_json(((KernelObject*)o)->k));
}
static PyObject* Kernel_cubin(PyObject* o, PyObject* unused) {
  (void)unused;
  KernelObject* self = (KernelObject*)o;
  return PyBytes_FromStringAndSize((const char*)kjit_kernel_cubin(self->k), (Py_ssize_t)kjit_kernel_cubin_size(self->k));
}

static PyMethodDef Kernel_methods[] = {
    {"_setup", Kernel_setup, METH_VARARGS, "binding tables (set by the kjit package)"},
    {"_resolve_json", Kernel_resolve_json, METH_VARARGS, "kjit_resolve"},
    {"_info_json", Kernel_info_json, METH_NOARGS, "kjit_kernel_info_json"},
    {"_signature_json", Kernel_signature_json, METH_NOARGS, "kjit_kernel_signature_json"},
    {"_plan_json", Kernel_plan_json, METH_NOARGS, "kjit_kernel_plan_json"},
    {"_cubin", Kernel_cubin, METH_NOARGS, "the cubin bytes"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Kernel_slots[] = {
    {Py_tp_new, Kernel_new},
    {Py_tp_dealloc, Kernel_dealloc},
    {Py_tp_traverse, Kernel_traverse},
    {Py_tp_call, Kernel_call},
    {Py_tp_methods, Kernel_methods},
    {Py_tp_doc, "A compiled kjit kernel; call it on tensors (see kjit.kernel)."},
    {0, NULL},
};
static PyType_Spec Kernel_spec = {"kjit._kjit.Kernel", sizeof(KernelObject), 0,
                                  Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, Kernel_slots};

/* ---- module functions */
static PyObject* mod_set_errors(PyObject* m, PyObject* args) {
  (void)m;
  PyObject* d;
  if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &d)) return NULL;
  Py_INCREF(d);
  KJ_XSETREF(g_errors, d);
  Py_RETURN_NONE;
}

/* _set_torch(tensor_type, {dtype: (code, bits)}, stream_fn) */
static PyObject* mod_set_torch(PyObject* m, PyObject* args) {
  (void)m;
  PyObject *type, *dtypes, *stream_fn;
  if (!PyArg_ParseTuple(args, "OO!O", &type, &PyDict_Type, &dtypes, &stream_fn)) return NULL;
  Py_ssize_t pos = 0;
  PyObject *k, *v;
  int n = 0;
  while (PyDict_Next(dtypes, &pos, &k, &v) && n < KJ_MAX_DTYPES) {
    int code, bits;
    if (!PyArg_ParseTuple(v, "ii", &code, &bits)) return NULL;
    Py_INCREF(k);
    g_torch_dtypes[n] = k;
    g_torch_codes[n].code = (uint8_t)code;
    g_torch_codes[n].bits = (uint8_t)bits;
    g_torch_codes[n].lanes = 1;
    ++n;
  }
  g_n_torch_dtypes = n;
  Py_INCREF(type);
  KJ_XSETREF(g_torch_tensor, type);
  Py_INCREF(stream_fn);
  KJ_XSETREF(g_torch_stream, stream_fn);
  Py_RETURN_NONE;
}

static PyObject* mod_set_tensor_ref(PyObject* m, PyObject* args) {
  (void)m;
  PyObject *type, *hook;
  if (!PyArg_ParseTuple(args, "OO", &type, &hook)) return NULL;
  Py_INCREF(type);
  KJ_XSETREF(g_tensor_ref, type);
  Py_INCREF(hook);
  KJ_XSETREF(g_register_hook, hook);
  Py_RETURN_NONE;
}

static PyObject* mod_set_log(PyObject* m, PyObject* args) {
  (void)m;
  int level;
  const char* dest = NULL;
  if (!PyArg_ParseTuple(args, "i|z", &level, &dest)) return NULL;
  int rc = kjit_set_log(level, dest);
  if (rc != KJIT_OK) {
    raise_kjit(rc, "kjit_set_log failed");
    return NULL;
  }
  Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"_set_errors", mod_set_errors, METH_VARARGS, "exception classes by kjit return code"},
    {"_set_torch", mod_set_torch, METH_VARARGS, "register torch.Tensor, its dtypes and the current-stream function"},
    {"_set_tensor_ref", mod_set_tensor_ref, METH_VARARGS, "register kjit.TensorRef and the torch registration hook"},
    {"set_log", mod_set_log, METH_VARARGS, "set_log(level, dest=None): KJIT_LOGLEVEL / KJIT_LOGDEST for this process"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_kjit", "kjit's C extension (see the kjit package)", -1,
                                        module_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__kjit(void) {
  PyObject* m = PyModule_Create(&module_def);
  if (m == NULL) return NULL;
#define KJ_INTERN(var, text) \
  if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL;
  KJ_INTERN(s_data_ptr, "data_ptr")
  KJ_INTERN(s_shape, "shape")
  KJ_INTERN(s_dtype, "dtype")
  KJ_INTERN(s_is_cuda, "is_cuda")
  KJ_INTERN(s_get_device, "get_device")
  KJ_INTERN(s_is_contiguous, "is_contiguous")
  KJ_INTERN(s_stride, "stride")
  KJ_INTERN(s_dlpack, "__dlpack__")
  KJ_INTERN(s_dlpack_device, "__dlpack_device__")
  KJ_INTERN(s_stream, "stream")
  KJ_INTERN(s_out, "out")
  KJ_INTERN(s_allocate, "_allocate")
  KJ_INTERN(s_strides, "strides")
  KJ_INTERN(s_dtype_code, "dtype_code")
  KJ_INTERN(s_dtype_bits, "dtype_bits")
  KJ_INTERN(s_device_type, "device_type")
  KJ_INTERN(s_device_id, "device_id")
  KJ_INTERN(s_module, "__module__")
#undef KJ_INTERN
  g_handle_type = PyType_FromSpec(&Handle_spec);
  if (g_handle_type == NULL || PyModule_AddObject(m, "Handle", g_handle_type) < 0) return NULL;
  Py_INCREF(g_handle_type);
  PyObject* kernel_type = PyType_FromSpec(&Kernel_spec);
  if (kernel_type == NULL || PyModule_AddObject(m, "Kernel", kernel_type) < 0) return NULL;
  return m;
}

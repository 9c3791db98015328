"""kjit's exceptions. Each carries kjit's message (what, where, what to do).

The classes also derive from the built-in exception a Python caller expects:
an unknown definition is a KeyError, a bad argument (wrong dtype, shape, axis,
device, contiguity) a ValueError, no GPU / a failed launch a RuntimeError.
They are raised with the C API's return code (jit/capi/kjit.h).
"""


class Error(Exception):
    """Base class of every kjit error."""

    code = 1


class NotFoundError(Error, KeyError):
    """Unknown definition name, or no template serves it (code 3)."""

    code = 3

    def __str__(self):  # KeyError would quote the message
        return Exception.__str__(self)


class ArgumentError(Error, ValueError):
    """Bad argument: dtype, rank, shape, axis, device, contiguity, alignment (code 2)."""

    code = 2


class CompileError(Error):
    """A template or NVRTC error (code 4); the message points at the template line."""

    code = 4


class NoDeviceError(Error, RuntimeError):
    """No CUDA driver or device (code 6)."""

    code = 6


class LaunchError(Error, RuntimeError):
    """A CUDA driver call failed, or an I/O or internal failure (code 1)."""

    code = 1


BY_CODE = {1: LaunchError, 2: ArgumentError, 3: NotFoundError, 4: CompileError, 5: Error, 6: NoDeviceError}

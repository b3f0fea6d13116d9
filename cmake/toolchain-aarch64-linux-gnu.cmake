# Cross build for 64-bit ARM Linux with Debian's gcc-aarch64-linux-gnu. Tests run under qemu-aarch64
# (package qemu-user) against the cross toolchain's sysroot.
#   cmake -S kernels-native -B build-native/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(TERSOR_CROSS_PREFIX aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${TERSOR_CROSS_PREFIX}-gcc)
set(TERSOR_SYSROOT /usr/${TERSOR_CROSS_PREFIX})

set(CMAKE_FIND_ROOT_PATH ${TERSOR_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L ${TERSOR_SYSROOT})
endif()

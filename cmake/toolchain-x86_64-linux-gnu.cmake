# Build for x86-64 Linux with the x86_64-linux-gnu-gcc toolchain: native on an x86-64 Debian host,
# a cross build elsewhere (package gcc-x86-64-linux-gnu), with tests under qemu-x86_64.
#   cmake -S kernels-native -B build-native/x86_64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-x86_64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(TERSOR_CROSS_PREFIX x86_64-linux-gnu)
set(CMAKE_C_COMPILER ${TERSOR_CROSS_PREFIX}-gcc)
set(TERSOR_SYSROOT /usr/${TERSOR_CROSS_PREFIX})

set(CMAKE_FIND_ROOT_PATH ${TERSOR_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(CMAKE_CROSSCOMPILING_EMULATOR qemu-x86_64 -L ${TERSOR_SYSROOT})
endif()

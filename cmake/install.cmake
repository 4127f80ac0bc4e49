# find_package(pokebench) for installed copies: the patcher and kernel
# libraries, the support library they link (diagnostics sink), their headers,
# the module runner and pokebench_add_kernel_module() (the tools are installed
# as the `pokebench` executable).
include(CMakePackageConfigHelpers)

install(TARGETS pokebench_patcher pokebench_support pokebench_kernel pokebench_kernel_main EXPORT pokebenchTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY patcher/include/pokebench support/include/pokebench DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY kernel/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pokebench/kernel)
install(FILES kernel/cmake/PokebenchKernel.cmake DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)
install(EXPORT pokebenchTargets NAMESPACE pokebench:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)

configure_package_config_file(cmake/pokebenchConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/pokebenchConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pokebench)

# The native addon (native/build/Release/fp4lab.node), built from source by `npm install` through
# scripts/build-native.mjs. Everything is in fp4lab.gypi so the sanitizer build
# (native/build/asan) can include the same definitions from its own directory.
{
  'includes': ['fp4lab.gypi'],
}

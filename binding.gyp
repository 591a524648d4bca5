# The native addon (build/Release/fp4lab.node), built from source by `npm install` through
# scripts/build-native.mjs. Everything is in native/fp4lab.gypi so the sanitizer build can
# include the same definitions from its own directory.
{
  'includes': ['native/fp4lab.gypi'],
}

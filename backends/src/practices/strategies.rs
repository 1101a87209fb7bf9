//! See the module docs of [`super`]; this practice is being built.

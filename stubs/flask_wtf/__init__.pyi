# Types for the part of Flask-WTF 1.2 that Alur uses (the package ships none): only flask_wtf.csrf.

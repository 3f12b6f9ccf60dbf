DROP TABLE version_materials;
